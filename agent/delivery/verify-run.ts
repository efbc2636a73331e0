import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Drift, diffResults } from '../../report/diff.ts';
import type { Result } from '../../report/result.ts';
import { canonicalJson } from '../../report/sign.ts';
import { REPORT_FILES, reportRenderers } from '../run-dir/run-reports.ts';
import { RUN_FILES, RunDirError, readResult } from '../run-dir/rundir.ts';

/** How one file of a signed run compares with what its signed payload gives. */
export interface RunFileCheck {
  readonly file: string;
  readonly state: 'same' | 'differs' | 'missing' | 'unchecked';
  readonly detail?: string;
}

function textOf(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * The drift the run's drift.json claims, checked against the previous run it names (a sibling
 * directory): recomputed from that run's result and the signed one. A drift whose previous run is
 * gone cannot be recomputed and is reported as unchecked, not as intact.
 */
function checkDrift(runDir: string, result: Result): { drift?: Drift; check?: RunFileCheck } {
  const file = join(runDir, REPORT_FILES.drift);
  const text = textOf(file);
  if (text === undefined) return {};
  let claimed: Drift;
  try {
    claimed = Drift.parse(JSON.parse(text));
  } catch {
    return { check: { file, state: 'differs', detail: 'not a drift document' } };
  }
  const previousId = claimed.old.runId;
  // A run id is a folder name; anything else would read outside the runs folder.
  if (basename(previousId) !== previousId || previousId === '..' || previousId === '.')
    return { check: { file, state: 'differs', detail: `names no run folder as the previous run ("${previousId}")` } };
  let previous: Result;
  try {
    previous = readResult(join(dirname(runDir), previousId));
  } catch (err) {
    if (!(err instanceof RunDirError)) throw err;
    return { drift: claimed, check: { file, state: 'unchecked', detail: `the previous run ${previousId} is not readable beside this run` } };
  }
  const drift = diffResults(previous, result);
  const same = `${JSON.stringify(drift, null, 2)}\n` === text;
  return { drift, check: { file, state: same ? 'same' : 'differs', ...(same ? {} : { detail: `differs from the drift against ${previousId}` }) } };
}

/**
 * Compares every file of a signed run with its signed payload: result.json must hold the same JSON
 * (compared in RFC 8785 form), and each report must be byte for byte what its renderer makes of
 * the signed result. A report that is absent counts as changed: every signed run has them all.
 */
export function checkRunFiles(runDir: string, signed: { readonly result: Result; readonly payload: string }): RunFileCheck[] {
  const checks: RunFileCheck[] = [];
  const resultFile = join(runDir, RUN_FILES.result);
  const resultText = textOf(resultFile);
  if (resultText === undefined) checks.push({ file: resultFile, state: 'missing' });
  else {
    let canonical: string | undefined;
    try {
      canonical = canonicalJson(JSON.parse(resultText));
    } catch {
      canonical = undefined;
    }
    checks.push(
      canonical === signed.payload
        ? { file: resultFile, state: 'same' }
        : { file: resultFile, state: 'differs', detail: `differs from the signed payload in ${RUN_FILES.signed}` },
    );
  }
  const { drift, check: driftCheck } = checkDrift(runDir, signed.result);
  for (const [name, render] of Object.entries(reportRenderers(runDir, signed.result, drift))) {
    if (name === REPORT_FILES.drift) continue;
    const file = join(runDir, name);
    const text = textOf(file);
    if (text === undefined) {
      checks.push({ file, state: 'missing' });
      continue;
    }
    const rendered = render();
    if ((typeof rendered === 'string' ? rendered : [...rendered].join('')) === text) checks.push({ file, state: 'same' });
    else checks.push({ file, state: 'differs', detail: `is not what the signed payload in ${RUN_FILES.signed} renders to` });
  }
  if (driftCheck) checks.push(driftCheck);
  return checks;
}
