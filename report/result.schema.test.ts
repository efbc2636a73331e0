import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaText } from './write-schema.ts';

describe('published result schema', () => {
  it('matches the zod model (run `npm run schema` after changing the model)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });
});
