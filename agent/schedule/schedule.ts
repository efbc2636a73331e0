import { z } from 'zod';
import { calendar, DAY_NAMES, nextCronTime, parseCron, type TimeZone } from './cron.ts';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "15m", "6h", "1d", "1h30m" -> milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return Number(d) * UNIT_MS.d + Number(h) * UNIT_MS.h + Number(min) * UNIT_MS.m + Number(s) * UNIT_MS.s;
}

/** Scans of a plant network are not meant to run back to back. */
const MIN_INTERVAL_MS = 60_000;

const Every = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 90s, 15m, 6h, 1d or 1h30m` });
  else if (ms < MIN_INTERVAL_MS) ctx.addIssue({ code: 'custom', message: `"${text}" is shorter than the least interval, 1m` });
});

const Cron = z.string().superRefine((text, ctx) => {
  try {
    const spec = parseCron(text);
    if (nextCronTime(spec, new Date(Date.UTC(2000, 0, 1)), 'utc') === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" never matches a date` });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day HH:MM (00:00 to 24:00)');
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** A weekly window (e.g. every night shift change) or a one-off one (a turnaround), in which no scan may run. */
const Blackout = z.union([
  z
    .strictObject({
      /** Days the window starts on (default: every day). */
      days: z.array(z.enum(DAY_NAMES)).min(1).optional(),
      from: ClockTime,
      /** Earlier than `from`: the window runs past midnight into the next day. */
      to: ClockTime,
    })
    .refine((w) => w.from !== w.to, 'from and to are the same time; a whole day is 00:00 to 24:00'),
  z
    .strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
    .refine((w) => Date.parse(w.start) < Date.parse(w.end), 'end is not after start'),
]);
export type Blackout = z.infer<typeof Blackout>;

/** `schedule:` in the config, read by `cellcheck agent`. */
export const ScheduleConfig = z
  .strictObject({
    /** Interval between scan starts: 90s, 15m, 6h, 1d, 1h30m (at least 1m). */
    every: Every.optional(),
    /** Or a five-field cron expression, e.g. "30 2 * * 1-5". */
    cron: Cron.optional(),
    /** Each start is delayed by a random 0..jitterSeconds, so agents of many cells do not scan in step. */
    jitterSeconds: z.number().int().min(0).max(86_400).default(0),
    /** How cron fields and window times are read. */
    timeZone: z.enum(['local', 'utc']).default('local'),
    /** Maintenance windows: no scan starts in one, and one running when a window opens is stopped. */
    blackout: z.array(Blackout).default([]),
    /** On SIGTERM/SIGINT, how long a running scan may go on before it is aborted. */
    stopGraceSeconds: z.number().int().min(0).max(3600).default(20),
  })
  .refine((s) => (s.every === undefined) !== (s.cron === undefined), 'give exactly one of "every" (an interval) or "cron"');
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

/** The blackout window holding `t`, as [start, end), or undefined when scanning is allowed at `t`. */
export function blackoutAt(t: Date, windows: readonly Blackout[], zone: TimeZone): { start: Date; end: Date } | undefined {
  const cal = calendar(zone);
  const f = cal.fields(t);
  for (const w of windows) {
    if ('start' in w) {
      const start = new Date(w.start);
      const end = new Date(w.end);
      if (start <= t && t < end) return { start, end };
      continue;
    }
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    // The window that started today, and (past midnight) the one that started yesterday.
    for (const back of [0, 1]) {
      if (back === 1 && from < to) break;
      const startDay = cal.fields(cal.at(f.year, f.month, f.day - back));
      if (w.days && !w.days.includes(DAY_NAMES[startDay.dow] as (typeof DAY_NAMES)[number])) continue;
      const start = cal.at(startDay.year, startDay.month, startDay.day, 0, from);
      const end = cal.at(startDay.year, startDay.month, startDay.day + (from < to ? 0 : 1), 0, to);
      if (start <= t && t < end) return { start, end };
    }
  }
  return undefined;
}

/** The first instant of a window that opens in (after, before], so a running scan can be stopped then. */
export function nextBlackoutStart(after: Date, before: Date, windows: readonly Blackout[], zone: TimeZone): Date | undefined {
  let first: Date | undefined;
  const consider = (d: Date) => {
    if (d > after && d <= before && (!first || d < first)) first = d;
  };
  const cal = calendar(zone);
  for (const w of windows) {
    if ('start' in w) consider(new Date(w.start));
    else {
      const f = cal.fields(after);
      // A scan never runs for more than a few days; look a week ahead.
      for (let day = 0; day <= 7; day++) {
        const d = cal.fields(cal.at(f.year, f.month, f.day + day));
        if (w.days && !w.days.includes(DAY_NAMES[d.dow] as (typeof DAY_NAMES)[number])) continue;
        consider(cal.at(d.year, d.month, d.day, 0, minutesOf(w.from)));
      }
    }
  }
  return first;
}

export interface PlannedStart {
  /** The schedule's slot (interval step or cron match). */
  readonly slot: Date;
  /** When the scan starts: slot plus jitter, moved past any blackout window. */
  readonly at: Date;
  /** The window the start was moved out of. */
  readonly deferredFrom?: { readonly start: Date; readonly end: Date };
}

/**
 * The next start after `now`. Interval slots continue from the previous slot (a scan that ran
 * over a slot skips it); the first interval slot is `now`. A start inside a blackout window moves
 * to the window's end plus a fresh jitter.
 */
export function planNextStart(schedule: ScheduleConfig, now: Date, previousSlot: Date | undefined, random: () => number): PlannedStart | undefined {
  const jitter = () => Math.floor(random() * schedule.jitterSeconds * 1000);
  let slot: Date | undefined;
  if (schedule.every !== undefined) {
    const every = parseDuration(schedule.every) ?? MIN_INTERVAL_MS;
    if (!previousSlot) slot = now;
    else {
      const missed = Math.max(0, Math.floor((now.getTime() - previousSlot.getTime()) / every));
      slot = new Date(previousSlot.getTime() + (missed + 1) * every);
    }
  } else if (schedule.cron !== undefined) {
    const after = previousSlot && previousSlot > now ? previousSlot : now;
    slot = nextCronTime(parseCron(schedule.cron), after, schedule.timeZone);
  }
  if (!slot) return undefined;
  let at = new Date(slot.getTime() + jitter());
  let deferredFrom: { start: Date; end: Date } | undefined;
  // Windows may touch or overlap; a bounded walk past them.
  for (let i = 0; i < 64; i++) {
    const window = blackoutAt(at, schedule.blackout, schedule.timeZone);
    if (!window) return { slot, at, ...(deferredFrom ? { deferredFrom } : {}) };
    deferredFrom ??= window;
    at = new Date(window.end.getTime() + jitter());
  }
  return undefined;
}
