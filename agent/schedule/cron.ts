/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), as in crontab(5):
 * `*`, lists, ranges, steps, month and day names, 7 = Sunday, and the @hourly/@daily/@weekly/
 * @monthly/@yearly shorthands. When both day fields are restricted a day matching either runs
 * (the classic cron rule). Times are read in the local time zone or in UTC.
 */

export type TimeZone = 'local' | 'utc';

export interface CronSpec {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday. */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const SHORTHANDS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly namesFrom?: number;
}
const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

function value(text: string, rule: FieldRule): number {
  const named = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (rule.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`${rule.name}: "${text}" is not a number${rule.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < rule.min || n > rule.max) throw new Error(`${rule.name}: ${n} is outside ${rule.min}-${rule.max}`);
  return n;
}

function field(text: string, rule: FieldRule): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new Error(`${rule.name}: "${part}" is not a value, range or step`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || !/^\d+$/.test(stepText ?? '1'))
      throw new Error(`${rule.name}: step "${stepText}" is not a whole number above 0`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [rule.min, rule.max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a, rule), value(b, rule)];
      if (from > to) throw new Error(`${rule.name}: range "${range}" runs backwards`);
    } else {
      from = value(range, rule);
      // "5/15" means from 5 to the end, every 15.
      to = stepText === undefined ? from : rule.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses an expression; throws an Error naming the field and what is wrong. */
export function parseCron(expression: string): CronSpec {
  const text = SHORTHANDS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expression}" has ${parts.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)`);
  const [minutes, hours, daysOfMonth, months, dow] = parts.map((p, i) => field(p, FIELDS[i] as FieldRule)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (dow.delete(7)) dow.add(0);
  return { minutes, hours, daysOfMonth, months, daysOfWeek: dow, domRestricted: parts[2] !== '*', dowRestricted: parts[4] !== '*' };
}

/** Calendar fields of an instant in the chosen zone, and the instant of calendar fields. */
export function calendar(zone: TimeZone) {
  const utc = zone === 'utc';
  return {
    fields(d: Date) {
      return utc
        ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dow: d.getUTCDay() }
        : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), dow: d.getDay() };
    },
    /** Month 1-12; out-of-range values roll over like Date does. */
    at(year: number, month: number, day: number, hour = 0, minute = 0): Date {
      return utc ? new Date(Date.UTC(year, month - 1, day, hour, minute)) : new Date(year, month - 1, day, hour, minute);
    },
  };
}

function dayMatches(spec: CronSpec, day: number, dow: number): boolean {
  const dom = spec.daysOfMonth.has(day);
  const wd = spec.daysOfWeek.has(dow);
  if (spec.domRestricted && spec.dowRestricted) return dom || wd;
  return dom && wd;
}

/** Years searched before an expression is called unsatisfiable (30 February never comes). */
const HORIZON_YEARS = 8;

/** The first whole minute strictly after `after` that the expression matches, or undefined when none comes. */
export function nextCronTime(spec: CronSpec, after: Date, zone: TimeZone): Date | undefined {
  const cal = calendar(zone);
  const start = cal.fields(after);
  let t = cal.at(start.year, start.month, start.day, start.hour, start.minute + 1);
  const limit = start.year + HORIZON_YEARS;
  // Skips a whole month, day or hour at a time when it cannot match.
  while (cal.fields(t).year <= limit) {
    const f = cal.fields(t);
    if (!spec.months.has(f.month)) t = cal.at(f.year, f.month + 1, 1);
    else if (!dayMatches(spec, f.day, f.dow)) t = cal.at(f.year, f.month, f.day + 1);
    else if (!spec.hours.has(f.hour)) t = cal.at(f.year, f.month, f.day, f.hour + 1);
    else if (!spec.minutes.has(f.minute)) t = cal.at(f.year, f.month, f.day, f.hour, f.minute + 1);
    else return t;
  }
  return undefined;
}
