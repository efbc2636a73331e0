import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AttestationFile, ExceptionFile } from '../profiles/statements.ts';
import { ZoneModel } from '../profiles/zone-model.ts';
import { resultJsonSchema } from './result.ts';

/** Regenerates the published JSON Schemas from their zod models (`npm run schema`). */
export const SCHEMA_FILE = fileURLToPath(new URL('./result.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(resultJsonSchema(), null, 2)}\n`;
}

/** Schema of a file an operator writes: the input side (defaults may be left out). */
function inputSchemaText(schema: z.ZodType, id: string, title: string): string {
  return `${JSON.stringify({ ...z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }), $id: id, title }, null, 2)}\n`;
}

/** The id a zone model file names in `$schema` (console export), so editors validate it against the file below. */
export const ZONE_MODEL_SCHEMA_ID = 'urn:cellcheck:schema:zone-model:1';

/** The zone model file (issue 21): the model's input schema, plus the `$schema` key an exported file carries. */
export function zoneModelSchemaText(): string {
  const schema = JSON.parse(inputSchemaText(ZoneModel, ZONE_MODEL_SCHEMA_ID, 'cellcheck zone and conduit model')) as { properties: Record<string, unknown> };
  schema.properties = { $schema: { type: 'string', const: ZONE_MODEL_SCHEMA_ID }, ...schema.properties };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Every published schema: the result document, the operator's statement files and the zone model file. */
export const PUBLISHED_SCHEMAS: readonly { readonly file: string; readonly text: () => string }[] = [
  { file: SCHEMA_FILE, text: schemaText },
  {
    file: fileURLToPath(new URL('./attestations.schema.json', import.meta.url)),
    text: () => inputSchemaText(AttestationFile, 'urn:cellcheck:schema:attestations:1', 'cellcheck attestations'),
  },
  {
    file: fileURLToPath(new URL('./exceptions.schema.json', import.meta.url)),
    text: () => inputSchemaText(ExceptionFile, 'urn:cellcheck:schema:exceptions:1', 'cellcheck compensating countermeasures'),
  },
  { file: fileURLToPath(new URL('./zone-model.schema.json', import.meta.url)), text: zoneModelSchemaText },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const s of PUBLISHED_SCHEMAS) {
    writeFileSync(s.file, s.text());
    process.stdout.write(`wrote ${s.file}\n`);
  }
}
