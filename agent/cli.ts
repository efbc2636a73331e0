import { z } from 'zod';
const x: string = z.string().parse('hello');
console.log(x);
