import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resultJsonSchema } from './result.ts';

/** Regenerates the published JSON Schema of the result from the zod model (`npm run schema`). */
export const SCHEMA_FILE = fileURLToPath(new URL('./result.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(resultJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
