import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/** The official CycloneDX JSON schemas, as @cyclonedx/cyclonedx-library ships them (no network). */
const SCHEMA_DIR = resolve(import.meta.dirname, '..', 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');
const load = (file: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;

/** A validator for CycloneDX 1.6 JSON; returns the schema errors (none when valid). */
export function cycloneDx16Validator(): (doc: unknown) => ErrorObject[] {
  // strict: false because the official schemas use annotation keywords ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Draft 2019 formats that ajv-formats lacks; the export writes no URL or e-mail field.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  // bom-1.6 refers to its companions by their SNAPSHOT file names, relative to its own $id.
  for (const name of ['spdx', 'jsf-0.82', 'cryptography-defs'])
    ajv.addSchema({ ...load(`${name}.SNAPSHOT.schema.json`), $id: `http://cyclonedx.org/schema/${name}.SNAPSHOT.schema.json` });
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}
