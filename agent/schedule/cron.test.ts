import { describe, expect, it } from 'vitest';
import { nextCronTime, parseCron } from './cron.ts';

const next = (expr: string, after: string) => nextCronTime(parseCron(expr), new Date(after), 'utc')?.toISOString();

describe('five-field cron expressions', () => {
  it('finds the next matching minute, strictly after the given instant', () => {
    expect(next('30 2 * * *', '2026-03-10T01:00:00Z')).toBe('2026-03-10T02:30:00.000Z');
    expect(next('30 2 * * *', '2026-03-10T02:30:00Z')).toBe('2026-03-11T02:30:00.000Z');
    expect(next('30 2 * * *', '2026-03-10T02:29:59.999Z')).toBe('2026-03-10T02:30:00.000Z');
    expect(next('* * * * *', '2026-12-31T23:59:30Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('reads lists, ranges, steps and names', () => {
    expect(next('*/15 * * * *', '2026-01-01T10:16:00Z')).toBe('2026-01-01T10:30:00.000Z');
    expect(next('5/20 8-9 * * *', '2026-01-01T09:46:00Z')).toBe('2026-01-02T08:05:00.000Z');
    expect(next('0 6,18 * * *', '2026-01-01T07:00:00Z')).toBe('2026-01-01T18:00:00.000Z');
    // 2026-01-01 is a Thursday.
    expect(next('0 3 * * mon-fri', '2026-01-02T04:00:00Z')).toBe('2026-01-05T03:00:00.000Z');
    expect(next('0 0 1 jan,jul *', '2026-02-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next('0 12 * * 7', '2026-01-01T00:00:00Z')).toBe('2026-01-04T12:00:00.000Z');
    expect(next('@daily', '2026-01-01T00:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
  });

  it('runs on a day matching either day field when both are restricted (classic cron)', () => {
    // The 13th (a Tuesday in January 2026) or any Friday: Friday the 2nd comes first.
    expect(next('0 0 13 * fri', '2026-01-01T00:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(next('0 0 13 * *', '2026-01-01T00:00:00Z')).toBe('2026-01-13T00:00:00.000Z');
  });

  it('finds rare dates and gives up on impossible ones', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 30 2 *', '2026-03-01T00:00:00Z')).toBeUndefined();
  });

  it('refuses broken expressions, naming the field', () => {
    expect(() => parseCron('* * * *')).toThrow(/has 4 fields; a cron expression has 5/);
    expect(() => parseCron('60 * * * *')).toThrow(/minute: 60 is outside 0-59/);
    expect(() => parseCron('* 5-2 * * *')).toThrow(/hour: range "5-2" runs backwards/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/minute: step "0"/);
    expect(() => parseCron('* * * foo *')).toThrow(/month: "foo" is not a number or a name/);
    expect(() => parseCron('1/2/3 * * * *')).toThrow(/minute: "1\/2\/3"/);
  });
});
