import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { renderCycloneDx } from '../../report/cyclonedx.ts';
import { renderFindingsCsv, renderPlanCsv } from '../../report/csv.ts';
import { type Drift, diffResults } from '../../report/diff.ts';
import { renderHtmlPieces, type SignatureStatus } from '../../report/html.ts';
import { Result } from '../../report/result.ts';
import { SignedResult, signedPayload } from '../../report/sign.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { RUN_FILES, RunDirError, readResult } from './rundir.ts';
import { readSignedFile } from '../delivery/signing.ts';

/** What every run directory gets beside result.json. */
export const REPORT_FILES = { html: 'report.html', inventory: 'inventory.cdx.json', findings: 'findings.csv', plan: 'plan.csv', drift: 'drift.json' } as const;

/** The hook for signing: a signed result file beside result.json; its verification is `cellcheck verify`'s job. */
export function signatureStatus(runDir: string): SignatureStatus {
  return existsSync(join(runDir, RUN_FILES.signed))
    ? { status: 'signed', detail: `${RUN_FILES.signed} in the run directory (this page does not verify it)` }
    : { status: 'not-signed' };
}

const RunHeader = z.object({ runId: z.string(), collectedAt: z.string(), zone: z.object({ name: z.string() }) });

/**
 * The previous run of the same zone in the same output folder: among the sibling run
 * directories whose run.json names the same zone and was collected earlier, the latest one with
 * a readable result.json. Folders that are not runs (or are broken) are passed over.
 */
export function findPreviousResult(outDir: string, current: Result): Result | undefined {
  let entries: string[];
  try {
    entries = readdirSync(outDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== current.runId)
      .map((e) => e.name);
  } catch {
    return undefined;
  }
  const candidates = entries.flatMap((name) => {
    try {
      const run = RunHeader.parse(JSON.parse(readFileSync(join(outDir, name, RUN_FILES.run), 'utf8')));
      return run.zone.name === current.zone.name && run.collectedAt < current.collectedAt ? [{ dir: join(outDir, name), at: run.collectedAt }] : [];
    } catch {
      return [];
    }
  });
  candidates.sort((a, b) => (a.at < b.at ? 1 : -1));
  for (const c of candidates) {
    try {
      return readResult(c.dir);
    } catch (err) {
      if (!(err instanceof RunDirError)) throw err;
    }
  }
  return undefined;
}

export interface WrittenReports {
  readonly drift?: Drift;
  /** File name -> size in bytes. */
  readonly files: Readonly<Record<string, number>>;
}

/**
 * Each report file of a run and how it is rendered: pure functions of the result, the drift and
 * whether the run is signed, so `cellcheck verify` can render them again and compare.
 */
export function reportRenderers(runDir: string, result: Result, drift: Drift | undefined): Record<string, () => string | Iterable<string>> {
  const renderers: Record<string, () => string | Iterable<string>> = {
    [REPORT_FILES.html]: () => renderHtmlPieces(result, { signature: signatureStatus(runDir), ...(drift ? { drift } : {}) }),
    [REPORT_FILES.inventory]: () => `${JSON.stringify(renderCycloneDx(result), null, 2)}\n`,
    [REPORT_FILES.findings]: () => renderFindingsCsv(result),
    [REPORT_FILES.plan]: () => renderPlanCsv(result),
  };
  if (drift) renderers[REPORT_FILES.drift] = () => `${JSON.stringify(drift, null, 2)}\n`;
  return renderers;
}

/**
 * Writes the HTML report, CycloneDX inventory, findings CSV and (with a previous run) drift.json into a
 * run directory, rendering one at a time so that a large zone never holds all of them in memory.
 */
export function writeReports(runDir: string, result: Result, previous: Result | undefined): WrittenReports {
  const drift = previous ? diffResults(previous, result) : undefined;
  const files: Record<string, number> = {};
  for (const [name, render] of Object.entries(reportRenderers(runDir, result, drift))) {
    const file = join(runDir, name);
    writeFileAtomic(file, render());
    files[name] = statSync(file).size;
  }
  return { ...(drift ? { drift } : {}), files };
}

/**
 * Writes the reports again once the run is signed, from the signed payload rather than the result
 * in memory, so every report in a signed run shows what the signature covers (and says signed).
 */
export function writeSignedRunReports(runDir: string, signedFile: string): WrittenReports {
  const signed = SignedResult.parse(JSON.parse(readSignedFile(signedFile)));
  const result = Result.parse(JSON.parse(signedPayload(signed)));
  return writeReports(runDir, result, findPreviousResult(dirname(runDir), result));
}
