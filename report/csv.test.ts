import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { craftedRuns } from '../test/crafted-runs.ts';
import { FINDINGS_COLUMNS, renderFindingsCsv } from './csv.ts';
import type { Result } from './result.ts';

/** Reads the CSV back with an independent RFC 4180 parser, as a spreadsheet import would. */
const read = (text: string) => parse(text, { bom: true, columns: true, skip_empty_lines: false }) as Record<string, string>[];

describe('findings CSV', () => {
  const { newer } = craftedRuns();

  it('round-trips: one row per device x check with every value intact', () => {
    const text = renderFindingsCsv(newer);
    const rows = read(text);
    expect(Object.keys(rows[0] ?? {})).toEqual([...FINDINGS_COLUMNS]);
    const expected = newer.devices.flatMap((d) => d.checks.map((c) => ({ d, c })));
    expect(rows).toHaveLength(expected.length);
    expected.forEach(({ d, c }, i) => {
      const row = rows[i];
      expect(row).toMatchObject({
        run_id: newer.runId,
        address: d.address,
        device_name: d.name ?? '',
        check_id: c.id,
        check_title: c.title,
        status: c.status,
        remediation: c.remediation,
      });
      expect(row?.observed ? JSON.parse(row.observed) : undefined).toEqual(c.observed);
      expect(row?.requirements).toBe(c.requirements.join('; '));
    });
  });

  it('uses CRLF line ends and a byte order mark, and quotes commas, quotes and line breaks', () => {
    const device = newer.devices[0];
    const check = device?.checks[0];
    if (!device || !check) throw new Error('crafted run has no check');
    const hostile = 'He said "hi",\r\nthen left';
    const doc: Result = { ...newer, devices: [{ ...device, name: hostile, checks: [{ ...check, title: hostile }] }] };
    const text = renderFindingsCsv(doc);
    expect(text.startsWith('\uFEFFrun_id,')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = read(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.device_name).toBe(hostile);
    expect(rows[0]?.check_title).toBe(hostile);
  });

  it('never lets device text start a spreadsheet formula', () => {
    const device = newer.devices[0];
    if (!device) throw new Error('crafted run has no device');
    const doc: Result = { ...newer, devices: [{ ...device, name: '=HYPERLINK("http://x","y")' }] };
    const rows = read(renderFindingsCsv(doc));
    for (const row of rows) expect(row.device_name).toBe(`'=HYPERLINK("http://x","y")`);
  });
});
