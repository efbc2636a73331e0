import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Catalog } from '../profiles/catalog.ts';
import { type Attestation, AttestationFile, type Exception, ExceptionFile, scoped, statementProblems } from '../profiles/statements.ts';
import { ConfigError, fileError, parseYamlText } from './config.ts';
import { readUserFile } from './user-file.ts';

/** One statement file as weighed: its entries and the digest of its bytes (recorded in the result). */
export interface LoadedList<T> {
  readonly sha256: string;
  readonly entries: readonly T[];
}

export interface LoadedStatements {
  readonly attestations?: LoadedList<Attestation>;
  readonly exceptions?: LoadedList<Exception>;
}

function readYaml(file: string): { data: unknown; sha256: string } {
  const bytes = readUserFile(file, { error: ConfigError });
  return { data: parseYamlText(bytes.toString('utf8'), file), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Reads an attestation or exception file: YAML, validated against its published schema and then
 * against the catalog. Every problem is reported as `<file>: <key>: <what is wrong>`, all at once.
 */
function loadList<F extends { device?: string | undefined }, T extends Attestation | Exception>(
  file: string,
  schema: z.ZodType<F>,
  list: 'attestations' | 'exceptions',
  entriesOf: (f: F) => T[],
  catalog: Catalog,
): LoadedList<T> {
  const { data, sha256 } = readYaml(file);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw fileError(file, parsed.error.issues);
  const entries = scoped(parsed.data, entriesOf(parsed.data));
  const problems = statementProblems(entries, catalog, list);
  if (problems.length > 0) throw fileError(file, problems);
  return { sha256, entries };
}

export function loadStatements(
  files: { readonly attestations?: string | undefined; readonly exceptions?: string | undefined },
  catalog: Catalog,
): LoadedStatements {
  return {
    ...(files.attestations === undefined
      ? {}
      : { attestations: loadList(files.attestations, AttestationFile, 'attestations', (f) => f.attestations, catalog) }),
    ...(files.exceptions === undefined ? {} : { exceptions: loadList(files.exceptions, ExceptionFile, 'exceptions', (f) => f.exceptions, catalog) }),
  };
}
