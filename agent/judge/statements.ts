import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Catalog } from '../../profiles/catalog.ts';
import { type Attestation, AttestationFile, type Exception, ExceptionFile, scoped, statementProblems } from '../../profiles/statements.ts';
import { ConfigError, fileError, parseYamlText } from '../config/config.ts';
import { readUserFile } from '../config/user-file.ts';

/** One statement file as weighed: its entries and the digest of its bytes (recorded in the result). */
export interface LoadedList<T> {
  readonly sha256: string;
  readonly entries: readonly T[];
  /** Each entry's position in the file, which blank entries left out shift. */
  readonly positions: readonly number[];
  /** Entries left blank, as a template writes them: skipped, not refused. */
  readonly blank: number;
}

export interface LoadedStatements {
  readonly attestations?: LoadedList<Attestation>;
  readonly exceptions?: LoadedList<Exception>;
}

function readYaml(file: string): { data: unknown; sha256: string } {
  const bytes = readUserFile(file, { error: ConfigError });
  return { data: parseYamlText(bytes.toString('utf8'), file), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** What a person fills in; an attestation with all of them blank is an untouched template entry. */
const FILLED_IN: Record<'attestations' | 'exceptions', readonly string[]> = {
  attestations: ['statement', 'by', 'date', 'evidence'],
  exceptions: ['countermeasure', 'justification', 'approvedBy', 'approved', 'expires'],
};

function isBlank(entry: unknown, fields: readonly string[]): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const values = entry as Record<string, unknown>;
  return fields.every((f) => values[f] === undefined || values[f] === null || (typeof values[f] === 'string' && values[f].trim() === ''));
}

/** The file's data without its blank entries, the file position of each entry kept, and how many were blank. */
function withoutBlank(data: unknown, list: 'attestations' | 'exceptions'): { data: unknown; positions: number[]; blank: number } {
  const file = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const entries = file[list];
  if (!Array.isArray(entries)) return { data, positions: [], blank: 0 };
  const positions = entries.flatMap((e, i) => (isBlank(e, FILLED_IN[list]) ? [] : [i]));
  return { data: { ...file, [list]: positions.map((i) => entries[i]) }, positions, blank: entries.length - positions.length };
}

/**
 * Reads an attestation or exception file: YAML, validated against its published schema and then
 * against the catalog. Every problem is reported as `<file>: <key>: <what is wrong>`, all at once,
 * at the entry's position in the file. Entries left blank (a template's) are skipped and counted.
 */
function loadList<F extends { device?: string | undefined }, T extends Attestation | Exception>(
  file: string,
  schema: z.ZodType<F>,
  list: 'attestations' | 'exceptions',
  entriesOf: (f: F) => T[],
  catalog: Catalog,
): LoadedList<T> {
  const read = readYaml(file);
  const { data, positions, blank } = withoutBlank(read.data, list);
  const inFile = <P extends { readonly path: readonly PropertyKey[] }>(p: P): P =>
    p.path[0] === list && typeof p.path[1] === 'number' ? { ...p, path: [list, positions[p.path[1]] ?? p.path[1], ...p.path.slice(2)] } : p;
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw fileError(file, parsed.error.issues.map(inFile));
  const entries = scoped(parsed.data, entriesOf(parsed.data));
  const problems = statementProblems(entries, catalog, list);
  if (problems.length > 0) throw fileError(file, problems.map(inFile));
  return { sha256: read.sha256, entries, positions, blank };
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
