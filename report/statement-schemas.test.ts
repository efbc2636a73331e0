import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS, SCHEMA_FILE } from './write-schema.ts';

describe('published statement schemas', () => {
  it.each(PUBLISHED_SCHEMAS.filter((s) => s.file !== SCHEMA_FILE).map((s) => [s.file.split('/').pop(), s] as const))(
    '%s matches its zod model (run `npm run schema` after a change)',
    (_name, s) => {
      expect(readFileSync(s.file, 'utf8')).toBe(s.text());
    },
  );
});
