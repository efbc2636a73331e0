import { describe, expect, it } from 'vitest';
import { CHECK_ALIASES } from '../profiles/check-aliases.ts';
import { craftedRuns } from '../test/crafted-runs.ts';
import { Drift, diffResults, renderDrift } from './diff.ts';
import type { Result } from './result.ts';

describe('drift between two runs', () => {
  const { older, newer } = craftedRuns();
  const drift = diffResults(older, newer);
  const plc = drift.changed.find((d) => d.address === '127.83.2.10');

  it('reports devices that appeared and disappeared', () => {
    expect(drift.appeared.map((d) => d.address)).toEqual(['127.83.2.12']);
    expect(drift.appeared[0]?.services).toEqual(['modbus tcp/502']);
    expect(drift.disappeared).toEqual([{ address: '127.83.2.11', name: 'plc-11' }]);
  });

  it('reports the firmware change, the new Telnet service, the check that now fails and the FR7 drop', () => {
    expect(plc?.identity).toEqual([{ field: 'firmware', old: 'V1.4.2', new: 'V1.5.0' }]);
    expect(plc?.servicesOpened).toEqual(['telnet tcp/23']);
    expect(plc?.servicesClosed).toEqual([]);
    expect(plc?.checks).toContainEqual(expect.objectContaining({ id: 'telnet.absent', old: 'absent', new: 'fail' }));
    const fr7 = plc?.slC.find((s) => s.fr === 7);
    expect(fr7?.new.ceiling).toBeLessThan(fr7?.old.ceiling ?? 0);
    expect(plc?.gapsOpened).toContain('CR 7.7');
  });

  it('calls it worse, and says why', () => {
    expect(drift.worse).toBe(true);
    expect(drift.regressions).toContainEqual({ address: '127.83.2.10', kind: 'sl-drop', subject: 'FR7' });
    expect(drift.regressions).toContainEqual({ address: '127.83.2.10', kind: 'service-opened', subject: 'telnet tcp/23' });
    expect(drift.regressions).toContainEqual({ address: '127.83.2.10', kind: 'check-failing', subject: 'telnet.absent' });
    expect(Drift.safeParse(drift).success).toBe(true);
  });

  it('the way back (Telnet closed, a device gone) is not worse', () => {
    const back = diffResults(newer, older);
    expect(back.changed.find((d) => d.address === '127.83.2.10')?.servicesClosed).toEqual(['telnet tcp/23']);
    expect(back.regressions.filter((r) => r.address === '127.83.2.10')).toEqual([]);
    expect(back.disappeared.map((d) => d.address)).toEqual(['127.83.2.12']);
  });

  it('a run against itself has no change', () => {
    const same = diffResults(older, older);
    expect(same).toMatchObject({ appeared: [], disappeared: [], changed: [], worse: false });
    expect(renderDrift(same)).toContain('no change');
  });

  it('renders every change as a line within the width', () => {
    const text = renderDrift(drift, 100);
    expect(text).toContain('firmware: V1.4.2 -> V1.5.0');
    expect(text).toContain('+ 127.83.2.12 (plc-12) appeared');
    expect(text).toContain('- 127.83.2.11 (plc-11) disappeared');
    expect(text).toContain('Security got worse');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('drift across a rename of check ids (profiles/data/check-aliases.json)', () => {
  const { older, newer } = craftedRuns();
  const oldId = new Map(Object.entries(CHECK_ALIASES).map(([old, now]) => [now, old]));
  /** The same result as a cellcheck from before the rename wrote it. */
  const beforeRename = (r: Result): Result => ({
    ...r,
    devices: r.devices.map((d) => ({ ...d, checks: d.checks.map((c) => ({ ...c, id: oldId.get(c.id) ?? c.id })) })),
  });

  it('an old run compares with a new one by the current ids: nothing removed or added', () => {
    expect(diffResults(older, beforeRename(older))).toMatchObject({ changed: [], worse: false });
    expect(diffResults(beforeRename(older), older)).toMatchObject({ changed: [], worse: false });
    expect(diffResults(beforeRename(older), newer)).toEqual(diffResults(older, newer));
  });

  it('two runs from before the rename keep their old ids, so their signed drift still verifies', () => {
    const plc = diffResults(beforeRename(older), beforeRename(newer)).changed.find((d) => d.address === '127.83.2.10');
    expect(plc?.checks).toContainEqual(expect.objectContaining({ id: 'telnet.exposed', old: 'absent', new: 'fail' }));
  });
});
