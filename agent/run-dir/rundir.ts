import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DeviceObservation } from '../../probes/observation.ts';
import { TranscriptEntry } from '../../probes/transcript.ts';
import { prettyJsonPieces } from '../../report/pretty-json.ts';
import type { SlVector } from '../../profiles/model.ts';
import { ReachabilityFacts } from '../../profiles/zone-model.ts';
import { Result } from '../../report/result.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { ROLES, type Role } from '../config/config.ts';
import type { RunFacts } from '../judge/judge.ts';
import { UserError } from '../../profiles/user-error.ts';
import { fsReason, readUserFile, readUserFileIfPresent } from '../config/user-file.ts';

/** run.json: everything about a run except the observations, so `evaluate` can re-judge it offline. */
const RunFile = z.object({
  runId: z.string(),
  agent: z.object({ id: z.string(), version: z.string() }),
  collectedAt: z.string(),
  finishedAt: z.string(),
  zone: z.object({ name: z.string(), slT: z.array(z.number().int()).length(7), cidrs: z.array(z.string()) }),
  addressesPlanned: z.number().int(),
  targets: z.record(
    z.string(),
    z.object({
      role: z.enum(ROLES),
      name: z.string().optional(),
      slT: z.array(z.number().int().min(1).max(4)).length(7).optional(),
    }),
  ),
  silent: z.array(z.string()),
  reachability: ReachabilityFacts.optional(),
});

export const RUN_FILES = {
  run: 'run.json',
  observations: 'observations.json',
  result: 'result.json',
  signed: 'result.signed.json',
  transcripts: 'transcripts',
} as const;

export function transcriptFileName(address: string): string {
  return `${address.replace(/[^0-9A-Za-z.-]/g, '_')}.jsonl`;
}

/** One device's transcript file, as JSON lines; `dir` is a run directory's transcripts folder. */
export function writeTranscript(dir: string, address: string, entries: readonly TranscriptEntry[]): void {
  writeFileAtomic(join(dir, transcriptFileName(address)), entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
}

/** What `writeTranscript` wrote for one device, validated line by line; none at all reads as no entries. */
export function readTranscript(runDir: string, address: string): TranscriptEntry[] {
  const file = join(runDir, RUN_FILES.transcripts, transcriptFileName(address));
  const text = readUserFileIfPresent(file, { error: RunDirError })?.toString('utf8');
  if (text === undefined) return [];
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch {
        throw new RunDirError(`${file}:${i + 1}: not valid JSON`);
      }
      const parsed = TranscriptEntry.safeParse(data);
      if (!parsed.success) throw new RunDirError(`${file}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** A target as run.json records it: its role, and its name and own SL-T only where it has them. */
export function runTarget(t: { readonly role: Role; readonly name?: string | undefined; readonly slT?: SlVector | undefined }): RunFacts['targets'][string] {
  return { role: t.role, ...(t.name === undefined ? {} : { name: t.name }), ...(t.slT === undefined ? {} : { slT: t.slT }) };
}

export function writeRunDir(
  dir: string,
  run: RunFacts,
  silent: readonly string[],
  transcripts: ReadonlyMap<string, readonly TranscriptEntry[]>,
  result: Result,
): void {
  mkdirSync(join(dir, RUN_FILES.transcripts), { recursive: true });
  const { observations, ...rest } = run;
  writeFileAtomic(join(dir, RUN_FILES.run), `${JSON.stringify({ ...rest, silent }, null, 2)}\n`);
  writeFileAtomic(join(dir, RUN_FILES.observations), `${JSON.stringify(observations, null, 2)}\n`);
  for (const [address, entries] of transcripts) writeTranscript(join(dir, RUN_FILES.transcripts), address, entries);
  writeFileAtomic(join(dir, RUN_FILES.result), resultPieces(result));
}

/** result.json's text in pieces (a device each), so a large zone's result is never one string in memory. */
export function* resultPieces(result: Result): Generator<string> {
  yield* prettyJsonPieces(result);
  yield '\n';
}

export function serializeResult(result: Result): string {
  return [...resultPieces(result)].join('');
}

export class RunDirError extends UserError {
  override name = 'RunDirError';
}

function readJson(file: string): unknown {
  const text = readUserFile(file, { error: RunDirError }).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

const RUN_DIR = 'a run directory (the folder a scan wrote)';

/** What `path` is on disk: a folder, a file, or nothing (a RunDirError for anything else in the way). */
function kindOf(path: string): 'folder' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new RunDirError(`${path}: cannot read: ${fsReason(err)}`);
  }
}

/**
 * `name` inside the run directory `dir`, once `dir` is one. Said in words: joined blindly, a file or
 * an empty folder given for `dir` reads as ENOTDIR or ENOENT on a path the user never typed.
 */
export function runDirFile(dir: string, name: string): string {
  const kind = kindOf(dir);
  if (kind === 'missing') throw new RunDirError(`${dir}: no such folder; expected ${RUN_DIR}`);
  if (kind === 'file') throw new RunDirError(`${dir} is a file; expected ${RUN_DIR}`);
  const file = join(dir, name);
  if (existsSync(file)) return file;
  throw new RunDirError(existsSync(join(dir, RUN_FILES.run)) ? `${dir}: the run directory has no ${name}` : `${dir}: not ${RUN_DIR}: it has no ${name}`);
}

/** `name` of a run directory, or the path itself when it is a file (commands taking either). */
export function fileOrRunDirFile(path: string, name: string): string {
  const kind = kindOf(path);
  if (kind === 'missing') throw new RunDirError(`${path}: no such file or folder; expected ${name} or ${RUN_DIR}`);
  return kind === 'file' ? path : runDirFile(path, name);
}

/** Reads back what `writeRunDir` wrote, validating both files. */
export function readRunDir(dir: string): { run: RunFacts; silent: string[] } {
  const runPath = runDirFile(dir, RUN_FILES.run);
  const parsed = RunFile.safeParse(readJson(runPath));
  if (!parsed.success) throw new RunDirError(`${runPath}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const obsPath = runDirFile(dir, RUN_FILES.observations);
  const observations = z.array(DeviceObservation).safeParse(readJson(obsPath));
  if (!observations.success) throw new RunDirError(`${obsPath}: ${observations.error.issues[0]?.path.join('.')}: ${observations.error.issues[0]?.message}`);
  const { silent, ...rest } = parsed.data;
  const targets: RunFacts['targets'] = Object.fromEntries(Object.entries(rest.targets).map(([a, t]) => [a, runTarget(t)]));
  return { run: { ...rest, targets, observations: observations.data }, silent };
}

/** A result document, from a run directory (its result.json) or a result file; validated. */
export function readResult(path: string): Result {
  const file = fileOrRunDirFile(path, RUN_FILES.result);
  const parsed = Result.safeParse(readJson(file));
  if (!parsed.success) throw new RunDirError(`${file}: not a cellcheck result: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
