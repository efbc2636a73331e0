import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { renderPlanCsv } from './csv.ts';
import { headlineOf, headlineText, resultHeadline } from './headline.ts';
import { renderHtml } from './html.ts';
import type { Result } from './result.ts';
import { renderSummary } from './terminal.ts';

/** The golden demo result: a real judged cell with its plan (volatile values masked, so not parsed by the schema). */
const result = JSON.parse(readFileSync(join(import.meta.dirname, '../test/golden/demo-cell.result.json'), 'utf8')) as Result;
const plan = result.plan ?? [];

describe('the plan and the headline where people read them', () => {
  it('headline: devices refuted by observation, devices that could meet SL-T once attested, and what waits for attestation', () => {
    const h = headlineOf([
      { slT: [2, 2], demonstrated: [2, 2], ceiling: [4, 4] },
      { slT: [2, 2], demonstrated: [0, 0], ceiling: [4, 2] },
      { slT: [2, 2], demonstrated: [0, 0], ceiling: [4, 1] },
    ]);
    expect(h).toEqual({ devices: 3, meets: 1, couldMeet: 1, refuted: 1 });
    const r = resultHeadline(result);
    expect(r.meets + r.couldMeet + r.refuted).toBe(result.devices.length);
    expect(headlineText(r)).toMatch(
      /^\d+ of \d+ meet SL-T · \d+ refuted by observation \(cannot reach it until fixed\) · \d+ could once not-assessed items are attested · \d+ item\(s\) wait for attestation$/,
    );
  });

  it('terminal: the headline and the first five changes, every line within 100 columns', () => {
    expect(plan.length).toBeGreaterThan(5);
    const text = renderSummary(result, { color: false, topGaps: 10 });
    expect(text).toContain(`What to fix first (5 of ${plan.length} changes; all in report.html and plan.csv)`);
    for (const e of plan.slice(0, 5)) expect(text.replace(/\n +/g, ' ')).toContain(`${e.rank}. ${e.action} [`);
    expect(text).not.toContain(`${plan[5]?.action}`);
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
    expect(text).toContain(headlineText(resultHeadline(result)).slice(0, 40));
  });

  it('report.html: the plan is the first section, its first three steps stand out, each with what it buys', () => {
    const page = renderHtml(result, { signature: { status: 'not-signed' } });
    const main = page.slice(page.indexOf('<main>'));
    expect(main.indexOf('<section id="plan">')).toBeLessThan(main.indexOf('<section id="summary">'));
    const steps = [...main.matchAll(/<li class="(step(?: top)?)" data-action="([^"]+)">/g)].map((m) => [m[1], m[2]]);
    expect(steps).toEqual(plan.map((e) => [e.rank <= 3 ? 'step top' : 'step', e.id]));
    expect(main).toContain(`closes ${plan[0]?.closes.length} gap(s)`);
  });

  it('plan.csv: one row per change with its devices, gaps closed and ceilings after', () => {
    const rows = parseCsv(renderPlanCsv(result).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.rank, r.action_id, r.gaps_closed])).toEqual(plan.map((e) => [String(e.rank), e.id, String(e.closes.length)]));
    expect(rows[0]?.ceiling_after).toMatch(/^\S+: \d \d \d \d \d \d \d/);
  });
});
