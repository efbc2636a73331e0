import { z } from 'zod';
import { type CommandOutput, clean, integer, lines, meaningful } from './text.ts';

/** Parsers of accounts and password policy. Pure: text in, facts out. Never keeps a password hash. */

/** What the password field of a passwd line says, never the field itself. */
export const PasswordField = z.enum(['shadowed', 'empty', 'locked', 'inline-hash']);
export const Account = z.object({
  name: z.string(),
  uid: z.number().int(),
  gid: z.number().int(),
  shell: z.string(),
  login: z.boolean(),
  password: PasswordField,
});
export type Account = z.infer<typeof Account>;
export const Passwd = z.object({ accounts: z.array(Account) });
export type Passwd = z.infer<typeof Passwd>;

/** Shells that let no one log in interactively. */
const NO_LOGIN = /(^|\/)(nologin|false|sync|halt|shutdown)$/;

function passwordField(field: string): z.infer<typeof PasswordField> {
  if (field === 'x') return 'shadowed';
  if (field === '') return 'empty';
  if (/^[*!]/.test(field)) return 'locked';
  return 'inline-hash';
}

/** /etc/passwd: name:password:uid:gid:gecos:home:shell. */
export function parsePasswd(out: CommandOutput): Passwd | undefined {
  const accounts: Account[] = [];
  for (const line of lines(out)) {
    const f = line.split(':');
    if (f.length !== 7) continue;
    const [name = '', pw = '', uidText, gidText, , , shell = ''] = f;
    const uid = integer(uidText);
    const gid = integer(gidText);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/.test(name) || uid === undefined || gid === undefined) continue;
    accounts.push({ name, uid, gid, shell: clean(shell, 80), login: shell !== '' ? !NO_LOGIN.test(shell) : true, password: passwordField(pw) });
  }
  return accounts.length > 0 ? { accounts } : undefined;
}

/** The same lines with the password field replaced unless it is `x`, empty, or a lock marker. */
export function maskPasswdFields(text: string): string {
  return text.replace(/^([^:\n]*):([^:\n]*):/gm, (whole, name: string, pw: string) =>
    pw === 'x' || pw === '' || /^[*!]+$/.test(pw) ? whole : `${name}:[masked]:`,
  );
}

export const AccountStatus = z.object({ accounts: z.array(z.object({ name: z.string(), status: z.enum(['P', 'L', 'NP']) })) });
export type AccountStatus = z.infer<typeof AccountStatus>;

/** `passwd -S -a`: "name P|L|NP date min max warn inactive" per account. */
export function parsePasswdStatus(out: CommandOutput): AccountStatus | undefined {
  const accounts = meaningful(out).flatMap((l) => {
    const m = /^(\S{1,32})\s+(P|L|NP|PS|LK)\b/.exec(l);
    if (!m?.[1] || !m[2]) return [];
    const status = m[2] === 'PS' ? 'P' : m[2] === 'LK' ? 'L' : m[2];
    return [{ name: clean(m[1], 32), status: status as 'P' | 'L' | 'NP' }];
  });
  return accounts.length > 0 ? { accounts } : undefined;
}

export const LoginDefs = z.object({
  passMaxDays: z.number().int().optional(),
  passMinDays: z.number().int().optional(),
  passWarnAge: z.number().int().optional(),
  passMinLen: z.number().int().optional(),
});
export type LoginDefs = z.infer<typeof LoginDefs>;

const LOGIN_DEFS_KEYS = { PASS_MAX_DAYS: 'passMaxDays', PASS_MIN_DAYS: 'passMinDays', PASS_WARN_AGE: 'passWarnAge', PASS_MIN_LEN: 'passMinLen' } as const;

/** /etc/login.defs: `KEY value`. */
export function parseLoginDefs(out: CommandOutput): LoginDefs | undefined {
  const facts: LoginDefs = {};
  let recognised = false;
  for (const line of meaningful(out)) {
    const [key, value] = line.split(/\s+/);
    if (!key || !/^[A-Z_]+$/.test(key)) continue;
    recognised = true;
    const n = integer(value);
    if (key in LOGIN_DEFS_KEYS && n !== undefined) facts[LOGIN_DEFS_KEYS[key as keyof typeof LOGIN_DEFS_KEYS]] = n;
  }
  return recognised ? facts : undefined;
}

export const PamConfig = z.object({
  pwquality: z.object({ used: z.boolean(), minlen: z.number().int().optional(), minclass: z.number().int().optional(), requiredClasses: z.number().int() }),
  unixMinlen: z.number().int().optional(),
  lockout: z.object({ module: z.enum(['pam_faillock', 'pam_tally2', 'none']), deny: z.number().int().optional() }),
});
export type PamConfig = z.infer<typeof PamConfig>;

const PAM_LINE = /^-?(auth|password|account|session)\s+(\[[^\]]*\]|\S+)\s+(\S+)(.*)$/;

function arg(args: string, name: string): number | undefined {
  return integer(new RegExp(`(?:^|\\s)${name}=(-?\\d+)`).exec(args)?.[1]);
}

/**
 * PAM stacks (common-auth/-password or system-auth/password-auth) concatenated with
 * pwquality.conf and faillock.conf: module arguments and `key = value` settings, later ones winning.
 */
export function parsePamConfig(out: CommandOutput): PamConfig | undefined {
  const settings = new Map<string, number>();
  let recognised = false;
  let pwquality = false;
  let unixMinlen: number | undefined;
  let lockout: PamConfig['lockout']['module'] = 'none';
  const moduleArgs = new Map<string, number>();
  for (const line of meaningful(out)) {
    const pam = PAM_LINE.exec(line);
    if (pam) {
      recognised = true;
      const module = (pam[3] ?? '').split('/').pop() ?? '';
      const args = pam[4] ?? '';
      if ((module === 'pam_pwquality.so' || module === 'pam_cracklib.so') && pam[1] === 'password') {
        pwquality = true;
        for (const k of ['minlen', 'minclass', 'dcredit', 'ucredit', 'lcredit', 'ocredit']) {
          const v = arg(args, k);
          if (v !== undefined) moduleArgs.set(k, v);
        }
      }
      if (module === 'pam_unix.so' && pam[1] === 'password') unixMinlen = arg(args, 'minlen') ?? unixMinlen;
      if ((module === 'pam_faillock.so' || module === 'pam_tally2.so') && pam[1] === 'auth') {
        lockout = module === 'pam_faillock.so' ? 'pam_faillock' : 'pam_tally2';
        const deny = arg(args, 'deny');
        if (deny !== undefined) moduleArgs.set('deny', deny);
      }
      continue;
    }
    const kv = /^([a-z_]+)\s*=\s*(-?\d+)$/.exec(line);
    if (kv?.[1] && kv[2] !== undefined) {
      recognised = true;
      settings.set(kv[1], Number.parseInt(kv[2], 10));
    }
  }
  if (!recognised) return undefined;
  // Module arguments override the .conf files, as both libraries document.
  const value = (k: string) => moduleArgs.get(k) ?? settings.get(k);
  const requiredClasses = ['dcredit', 'ucredit', 'lcredit', 'ocredit'].filter((k) => (value(k) ?? 0) < 0).length;
  const minlen = value('minlen');
  const minclass = value('minclass');
  const deny = value('deny');
  return {
    pwquality: { used: pwquality, requiredClasses, ...(minlen !== undefined ? { minlen } : {}), ...(minclass !== undefined ? { minclass } : {}) },
    ...(unixMinlen !== undefined ? { unixMinlen } : {}),
    lockout: { module: lockout, ...(deny !== undefined && lockout !== 'none' ? { deny } : {}) },
  };
}
