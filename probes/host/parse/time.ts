import { z } from 'zod';
import { assignment, type CommandOutput, clean, integer, meaningful, yesNo } from './text.ts';

/** Parsers of clock synchronisation state and time server configuration. Pure: text in, facts out. */

export const TimeStatus = z.object({ ntp: z.boolean().optional(), synchronized: z.boolean().optional(), timezone: z.string().optional() });
export type TimeStatus = z.infer<typeof TimeStatus>;

/** `timedatectl show`: NTP=yes, NTPSynchronized=yes, Timezone=Europe/Berlin. */
export function parseTimedatectl(out: CommandOutput): TimeStatus | undefined {
  const values = new Map(meaningful(out).flatMap((l) => (assignment(l) ? [assignment(l) as [string, string]] : [])));
  const facts: TimeStatus = {};
  const ntp = yesNo(values.get('NTP'));
  const synchronized = yesNo(values.get('NTPSynchronized'));
  const timezone = values.get('Timezone');
  if (ntp !== undefined) facts.ntp = ntp;
  if (synchronized !== undefined) facts.synchronized = synchronized;
  if (timezone) facts.timezone = clean(timezone, 60);
  return Object.keys(facts).length > 0 ? facts : undefined;
}

export const ChronyTracking = z.object({
  reference: z.string().optional(),
  stratum: z.number().int().optional(),
  leapStatus: z.string(),
  synchronized: z.boolean(),
});
export type ChronyTracking = z.infer<typeof ChronyTracking>;

/** `chronyc -n tracking`: "Name : value" lines; "Leap status : Not synchronised" when it is not. */
export function parseChronyTracking(out: CommandOutput): ChronyTracking | undefined {
  const values = new Map(
    meaningful(out).flatMap((l) => {
      const at = l.indexOf(':');
      return at > 0 ? [[l.slice(0, at).trim().toLowerCase(), l.slice(at + 1).trim()] as [string, string]] : [];
    }),
  );
  const leap = values.get('leap status');
  if (!leap) return undefined;
  const stratum = integer(values.get('stratum'));
  const reference = values.get('reference id');
  return {
    leapStatus: clean(leap, 40),
    synchronized: !/not synchronised/i.test(leap),
    ...(stratum !== undefined ? { stratum } : {}),
    ...(reference ? { reference: clean(reference, 80) } : {}),
  };
}

export const TimeConfig = z.object({ servers: z.array(z.string()), fallbackServers: z.array(z.string()) });
export type TimeConfig = z.infer<typeof TimeConfig>;

/**
 * Servers from chrony/ntpd/openntpd (`server|pool|peer|servers host ...`) and timesyncd
 * (`NTP=a b`, `FallbackNTP=...`), read from their concatenated files.
 */
export function parseTimeConfig(out: CommandOutput): TimeConfig | undefined {
  const servers = new Set<string>();
  const fallback = new Set<string>();
  let recognised = false;
  for (const line of meaningful(out, '#;')) {
    recognised = true;
    const directive = /^(server|pool|peer|servers)\s+(\S{1,253})/.exec(line);
    if (directive?.[2]) servers.add(clean(directive[2], 253));
    const kv = assignment(line);
    if (kv && (kv[0] === 'NTP' || kv[0] === 'FallbackNTP'))
      for (const s of kv[1].split(/\s+/).filter(Boolean)) (kv[0] === 'NTP' ? servers : fallback).add(clean(s, 253));
  }
  return recognised ? { servers: [...servers], fallbackServers: [...fallback] } : undefined;
}
