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

/** A listener's own config file: the settings, and where it listens and what it includes. */
export const SshdListenerSettings = SshdSettings.extend({
  /** Ports of `Port` lines and of `ListenAddress host:port`; empty means OpenSSH's default, 22. */
  ports: z.array(z.number().int()),
  /** `Include` arguments: not read, so a setting missing here may be set there. */
  includes: z.array(z.string()),
});
export type SshdListenerSettings = z.infer<typeof SshdListenerSettings>;

/** One sshd config file as `cat` prints it. Pure. */
export function parseSshdListener(out: CommandOutput): SshdListenerSettings | undefined {
  const base = parseSshdSettings(out);
  if (!base) return undefined;
  const ports = new Set<number>();
  const includes: string[] = [];
  for (const line of meaningful(out)) {
    const m = /^(\S+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    const keyword = m?.[1]?.toLowerCase();
    const value = (m?.[2] ?? '').trim();
    if (keyword === 'match') break;
    const port = keyword === 'port' ? value : keyword === 'listenaddress' ? /:(\d{1,5})$/.exec(value)?.[1] : undefined;
    if (port !== undefined && /^\d{1,5}$/.test(port)) ports.add(Number(port));
    if (keyword === 'include') includes.push(clean(value, 200));
  }
  return { ...base, ports: [...ports], includes };
}

/**
 * Config files named by `-f` on the command lines of running sshd processes (OpenSSH keeps its
 * argv in the listener's title: `sshd: /usr/sbin/sshd -D -f /etc/ssh/x [listener] ...`). Pure.
 */
export function sshdConfigFiles(processes: readonly { readonly name: string; readonly args?: string | undefined }[]): string[] {
  const files = processes.flatMap((p) => {
    if (p.name !== 'sshd' || p.args === undefined) return [];
    // -f may follow flags that take no argument in one word (`-Df FILE`).
    const m = /\s-[46DdeGiqTt]*f\s*(\S+)/.exec(` ${p.args}`);
    return m?.[1] ? [m[1]] : [];
  });
  return [...new Set(files)];
}
