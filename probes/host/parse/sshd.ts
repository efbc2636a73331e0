import { z } from 'zod';
import { type CommandOutput, clean, meaningful } from './text.ts';

/** Parser of OpenSSH server settings, from `sshd -T` or the configuration files. Pure. */

export const SshdSettings = z.object({
  /** Keywords lower-cased; only the ones the checks read are kept. */
  settings: z.object({
    permitrootlogin: z.string().optional(),
    passwordauthentication: z.string().optional(),
    permitemptypasswords: z.string().optional(),
    kbdinteractiveauthentication: z.string().optional(),
    banner: z.string().optional(),
  }),
});
export type SshdSettings = z.infer<typeof SshdSettings>;
type Keyword = keyof SshdSettings['settings'];

const KEYWORDS: readonly Keyword[] = ['permitrootlogin', 'passwordauthentication', 'permitemptypasswords', 'kbdinteractiveauthentication', 'banner'];
const ALIASES: Readonly<Record<string, Keyword>> = { challengeresponseauthentication: 'kbdinteractiveauthentication' };

/**
 * `keyword value` lines. As in sshd, the first value of a keyword wins; everything after the
 * first `Match` applies only to some connections and is not read.
 */
export function parseSshdSettings(out: CommandOutput): SshdSettings | undefined {
  const settings: SshdSettings['settings'] = {};
  let recognised = false;
  for (const line of meaningful(out)) {
    const m = /^(\S+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const raw = m[1].toLowerCase();
    if (raw === 'match') break;
    if (!/^[a-z0-9]+$/.test(raw)) continue;
    recognised = true;
    const keyword = ALIASES[raw] ?? (KEYWORDS.includes(raw as Keyword) ? (raw as Keyword) : undefined);
    if (keyword && settings[keyword] === undefined) settings[keyword] = clean((m[2] ?? '').trim(), 200);
  }
  return recognised ? { settings } : undefined;
}
