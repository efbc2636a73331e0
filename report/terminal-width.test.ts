import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { craftedRuns } from '../test/crafted-runs.ts';
import { diffResults, renderDrift } from './diff.ts';
import { gapCauses, problemOf, rankedGaps } from './gaps.ts';
import type { Result } from './result.ts';
import { renderSummary } from './terminal.ts';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../test/golden/demo-cell.result.json'), 'utf8')) as Result;
const within100 = (text: string) => text.split('\n').filter((l) => [...l].length > 100);
/** The text with wrapped lines joined again, to look for phrases that were wrapped but not cut. */
const unwrapped = (text: string) => text.replace(/\n +/g, ' ');

describe('terminal text at 100 columns: wrapped, never cut mid-phrase', () => {
  it("top gaps keep every failing check's problem whole", () => {
    const text = renderSummary(golden, { color: false, topGaps: 10 });
    expect(within100(text)).toEqual([]);
    const gaps = rankedGaps(golden).slice(0, 10);
    expect(gaps.length).toBe(10);
    for (const { device, gap } of gaps) for (const c of gapCauses(device, gap.requirement)) expect(unwrapped(text)).toContain(`✗ ${problemOf(c)}`);
  });

  it('the drift header and its lines wrap instead of ending in an ellipsis', () => {
    const { older, newer } = craftedRuns();
    const long = { ...newer, runId: `run-with-a-rather-long-identifier-${'x'.repeat(40)}` };
    const text = renderDrift(diffResults(older, long));
    expect(within100(text)).toEqual([]);
    expect(text).not.toContain('…');
    expect(unwrapped(text)).toContain(`to ${long.runId} (${long.collectedAt})`);
  });
});
