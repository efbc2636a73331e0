import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Catalog } from '../../profiles/catalog.ts';
import { UserError } from '../../profiles/user-error.ts';
import { consoleZoneJson } from '../delivery/console-request.ts';
import type { UploadTarget } from '../delivery/upload.ts';
import { type LoadedStatements, loadStatements } from '../judge/statements.ts';

/** Thousands of answers fit in a few MiB; a longer reply is refused. */
const MAX_STATEMENTS_BYTES = 8 * 1024 * 1024;

const StatementFileText = z.object({ text: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), entries: z.number().int().min(0) });
const StatementsReply = z.object({ zone: z.string(), approved: z.number().int().min(0), attestations: StatementFileText, exceptions: StatementFileText });

export function statementsPath(zone: string): string {
  return `api/v1/zones/${encodeURIComponent(zone)}/statements`;
}

/**
 * The zone's approved answers from the console (its gap analysis), for the run about to start: the
 * two files are checked against their digests, written into `dir` and read exactly as
 * `evaluate --attestations/--exceptions` reads them, so the run records the digests the console
 * shows. Undefined when the console holds no approved answer for the zone; a string says why the
 * statements cannot be used (the run then goes on without them). Never throws.
 */
export async function fetchConsoleStatements(
  target: UploadTarget,
  zone: string,
  dir: string,
  catalog: Catalog,
): Promise<LoadedStatements | string | undefined> {
  const from = `the console's answers for zone ${JSON.stringify(zone)}`;
  const reply = await consoleZoneJson(target, { path: statementsPath(zone), zone, from, maxReplyBytes: MAX_STATEMENTS_BYTES }, StatementsReply);
  if (typeof reply === 'string') return reply;
  const s = reply.json;
  if (s.approved === 0) return undefined;
  const files = { attestations: join(dir, 'console-attestations.yaml'), exceptions: join(dir, 'console-exceptions.yaml') };
  for (const list of ['attestations', 'exceptions'] as const) {
    const digest = createHash('sha256').update(s[list].text).digest('hex');
    if (digest !== s[list].sha256) return `${from} were refused: the ${list} file does not match its SHA-256`;
  }
  try {
    mkdirSync(dir, { recursive: true });
    for (const list of ['attestations', 'exceptions'] as const) writeFileSync(files[list], s[list].text);
    return loadStatements(files, catalog);
  } catch (err) {
    if (err instanceof UserError || (err as NodeJS.ErrnoException).code !== undefined) return `${from} were refused: ${(err as Error).message}`;
    throw err;
  }
}
