import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/config.ts';
import { blackoutAt, nextBlackoutStart, parseDuration, planNextStart, ScheduleConfig } from './schedule.ts';

const schedule = (s: Record<string, unknown>) => ScheduleConfig.parse({ timeZone: 'utc', ...s });
const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

describe('schedule config', () => {
  it('reads durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('10 minutes')).toBeUndefined();
  });

  it('is refused with file, key and reason when broken', () => {
    const bad = (yaml: string) => () => parseConfigText(`zone: {name: z, slT: 1}\ntargets: [{host: 127.86.0.1}]\nschedule: ${yaml}\n`, 'zone.yaml');
    expect(bad('{jitterSeconds: 5}')).toThrow(/zone\.yaml: schedule: give exactly one of "every" \(an interval\) or "cron"/);
    expect(bad('{every: 1h, cron: "0 * * * *"}')).toThrow(/exactly one of/);
    expect(bad('{every: 10s}')).toThrow(/zone\.yaml: schedule\.every: "10s" is shorter than the least interval, 1m/);
    expect(bad('{every: soon}')).toThrow(/schedule\.every: "soon" is not a duration/);
    expect(bad('{cron: "0 25 * * *"}')).toThrow(/schedule\.cron: hour: 25 is outside 0-23/);
    expect(bad('{cron: "0 0 31 2 *"}')).toThrow(/schedule\.cron: "0 0 31 2 \*" never matches a date/);
    expect(bad('{every: 1h, blackout: [{from: "25:00", to: "06:00"}]}')).toThrow(/schedule\.blackout\[0\]/);
    expect(bad('{every: 1h, blackout: [{from: "06:00", to: "06:00"}]}')).toThrow(/from and to are the same time/);
    expect(bad('{every: 1h, blackout: [{from: "06:00", to: "07:00", days: [someday]}]}')).toThrow(/schedule\.blackout\[0\]/);
    expect(bad('{every: 1h, nightly: true}')).toThrow(/unknown key "nightly"/);
    const ok = parseConfigText('zone: {name: z, slT: 1}\ntargets: [{host: 127.86.0.1}]\nschedule: {cron: "30 2 * * 1-5", jitterSeconds: 300}\n', 'zone.yaml');
    expect(ok.schedule).toMatchObject({ cron: '30 2 * * 1-5', jitterSeconds: 300, timeZone: 'local', blackout: [], stopGraceSeconds: 20 });
  });
});

describe('maintenance windows', () => {
  const windows = ScheduleConfig.parse({
    every: '1h',
    blackout: [
      { days: ['sat'], from: '22:00', to: '06:00' },
      { from: '12:00', to: '12:30' },
      { start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z' },
    ],
  }).blackout;

  it('holds a time inside a weekly, daily or one-off window and gives its end', () => {
    // 2026-01-03 is a Saturday: the window runs into Sunday morning.
    expect(iso(blackoutAt(at('2026-01-03T23:00:00Z'), windows, 'utc')?.end)).toBe('2026-01-04T06:00:00.000Z');
    expect(iso(blackoutAt(at('2026-01-04T05:59:00Z'), windows, 'utc')?.start)).toBe('2026-01-03T22:00:00.000Z');
    expect(blackoutAt(at('2026-01-04T06:00:00Z'), windows, 'utc')).toBeUndefined();
    // Friday night is not in the Saturday window.
    expect(blackoutAt(at('2026-01-02T23:00:00Z'), windows, 'utc')).toBeUndefined();
    expect(iso(blackoutAt(at('2026-01-07T12:10:00Z'), windows, 'utc')?.end)).toBe('2026-01-07T12:30:00.000Z');
    expect(iso(blackoutAt(at('2026-12-25T09:00:00Z'), windows, 'utc')?.end)).toBe('2026-12-27T00:00:00.000Z');
  });

  it('finds the next window opening within a span', () => {
    expect(iso(nextBlackoutStart(at('2026-01-03T21:00:00Z'), at('2026-01-04T00:00:00Z'), windows, 'utc'))).toBe('2026-01-03T22:00:00.000Z');
    expect(nextBlackoutStart(at('2026-01-03T12:40:00Z'), at('2026-01-03T21:00:00Z'), windows, 'utc')).toBeUndefined();
  });
});

describe('planning the next start', () => {
  it('interval: first slot now, then one interval after the previous slot; overrun slots are skipped', () => {
    const s = schedule({ every: '1h' });
    const t0 = at('2026-01-05T10:00:00Z');
    expect(iso(planNextStart(s, t0, undefined, () => 0)?.at)).toBe('2026-01-05T10:00:00.000Z');
    expect(iso(planNextStart(s, at('2026-01-05T10:20:00Z'), t0, () => 0)?.slot)).toBe('2026-01-05T11:00:00.000Z');
    // A scan that ran until 12:10 skips the 11:00 and 12:00 slots.
    expect(iso(planNextStart(s, at('2026-01-05T12:10:00Z'), t0, () => 0)?.slot)).toBe('2026-01-05T13:00:00.000Z');
  });

  it('adds a random jitter of up to jitterSeconds', () => {
    const s = schedule({ every: '1h', jitterSeconds: 600 });
    const t0 = at('2026-01-05T10:00:00Z');
    expect(iso(planNextStart(s, t0, undefined, () => 0.5)?.at)).toBe('2026-01-05T10:05:00.000Z');
    expect(planNextStart(s, t0, undefined, () => 0.999)?.at.getTime()).toBeLessThan(t0.getTime() + 600_000);
  });

  it('cron: the next match; a start inside a window moves to its end plus fresh jitter', () => {
    const s = schedule({ cron: '0 2 * * *', jitterSeconds: 60, blackout: [{ from: '01:30', to: '03:00' }] });
    const plan = planNextStart(s, at('2026-01-05T10:00:00Z'), undefined, () => 0.5);
    expect(iso(plan?.slot)).toBe('2026-01-06T02:00:00.000Z');
    expect(iso(plan?.at)).toBe('2026-01-06T03:00:30.000Z');
    expect(iso(plan?.deferredFrom?.start)).toBe('2026-01-06T01:30:00.000Z');
    const clear = planNextStart(schedule({ cron: '0 2 * * *' }), at('2026-01-05T10:00:00Z'), undefined, () => 0.5);
    expect(clear?.deferredFrom).toBeUndefined();
  });

  it('walks past windows that touch', () => {
    const s = schedule({
      every: '1h',
      blackout: [
        { from: '10:00', to: '11:00' },
        { from: '11:00', to: '12:00' },
      ],
    });
    expect(iso(planNextStart(s, at('2026-01-05T10:15:00Z'), undefined, () => 0)?.at)).toBe('2026-01-05T12:00:00.000Z');
  });
});
