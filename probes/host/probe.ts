import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { HOST_COMMANDS, type HostCommand, listenerConfigCommand, MAX_LISTENER_CONFIGS } from './commands.ts';
import { type CommandRun, HostFacts } from './facts.ts';
import { commandRun } from './outcome.ts';
import { maskPasswdFields } from './parse/accounts.ts';
import { sshdConfigFiles } from './parse/sshd.ts';
import { Processes } from './parse/system.ts';
import { HostCredential, HostSession, type RawRun } from './session.ts';

const PROBE_ID = 'host.commands';

/** Opt-in flag for the credentialed login (it also needs a matching `credentials` entry). */
export const HOST_LOGIN_OPT_IN = 'host.login';
/** Option carrying the credential the agent resolved for this device. */
export const HOST_CREDENTIAL_OPTION = 'credential';

function credentialOf(ctx: ProbeContext): HostCredential {
  const parsed = HostCredential.safeParse(ctx.options[HOST_CREDENTIAL_OPTION]);
  if (!parsed.success) throw new ProbeUnavailable('error', `no usable credential for this device: ${parsed.error.issues[0]?.message ?? 'missing'}`);
  return parsed.data;
}

type Ran = { run: CommandRun } | { stopped: string };

/** Runs one command, with its output scrubbed of secrets into the transcript and parsed into facts. */
async function runOne(ctx: ProbeContext, session: HostSession, cmd: HostCommand, useSudo: boolean): Promise<Ran> {
  if (ctx.signal.aborted) return { stopped: `device time budget spent before ${cmd.id}` };
  if (session.closed) return { stopped: `the device closed the session before ${cmd.id}` };
  let raw: RawRun;
  try {
    raw = await session.run(cmd, useSudo);
  } catch (err) {
    if (err instanceof ProbeUnavailable) return { stopped: `${err.kind} before ${cmd.id}: ${err.message}` };
    throw err;
  }
  // A device echoing a configured secret back must not get it into facts or the transcript.
  const scrubbed: RawRun = { ...raw, stdout: Buffer.from(ctx.transcript.scrub(raw.stdout.toString('utf8'))), stderr: ctx.transcript.scrub(raw.stderr) };
  const shown = cmd.maskPasswdField ? Buffer.from(maskPasswdFields(scrubbed.stdout.toString('utf8'))) : scrubbed.stdout;
  const summary = [
    `exit ${raw.exitCode ?? 'none'}`,
    raw.truncated ? `cut at ${cmd.maxBytes} bytes` : '',
    raw.timedOut ? 'timed out' : '',
    scrubbed.stderr ? `stderr: ${scrubbed.stderr.split('\n')[0]}` : '',
  ];
  ctx.transcript.rx(PROBE_ID, 'host.output', shown, summary.filter(Boolean).join('; '));
  return { run: commandRun(cmd, useSudo, scrubbed) };
}

/**
 * Runs the allow-list in order; a fallback runs only when the command it stands in for gave no
 * usable output. Then reads the config file of each sshd started with `-f` (never with sudo: the
 * path came from the host), since `sshd -T` and the default files describe only the default one.
 */
async function runAllowList(ctx: ProbeContext, session: HostSession, sudo: readonly string[]): Promise<{ commands: CommandRun[]; stopped?: string }> {
  const state = new Map<string, 'ok' | 'unusable' | 'skipped'>();
  const commands: CommandRun[] = [];
  for (const cmd of HOST_COMMANDS) {
    if (cmd.fallbackFor !== undefined && state.get(cmd.fallbackFor) !== 'unusable') {
      state.set(cmd.id, 'skipped');
      continue;
    }
    const ran = await runOne(ctx, session, cmd, sudo.includes(cmd.id));
    if ('stopped' in ran) return { commands, stopped: ran.stopped };
    commands.push(ran.run);
    state.set(cmd.id, ran.run.status === 'ok' ? 'ok' : 'unusable');
  }
  const procs = Processes.safeParse(commands.find((c) => c.id.startsWith('processes') && c.status === 'ok')?.data);
  let reads = 0;
  for (const file of sshdConfigFiles(procs.success ? procs.data.processes : [])) {
    const cmd = listenerConfigCommand(file);
    const skipped = !cmd ? 'is not a plain absolute path naming sshd' : reads >= MAX_LISTENER_CONFIGS ? `is past the first ${MAX_LISTENER_CONFIGS}` : undefined;
    if (!cmd || skipped) {
      ctx.transcript.note(PROBE_ID, 'host.skipped', `sshd config file not read: ${JSON.stringify(file)} ${skipped}`);
      continue;
    }
    reads++;
    const ran = await runOne(ctx, session, cmd, false);
    if ('stopped' in ran) return { commands, stopped: ran.stopped };
    commands.push({ ...ran.run, file });
  }
  return { commands };
}

/**
 * Opt-in, credentialed: one SSH session with the account the operator configured for this
 * device, its host key pinned first, then the allow-listed read-only commands (host/commands.ts)
 * one after another on exec channels. Passwords, passphrases and keys are registered for
 * redaction before anything is sent.
 */
export const hostCommandsProbe: ProbeDefinition<HostFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'ssh',
  safety: 'read-session',
  optIn: HOST_LOGIN_OPT_IN,
  ops: ['tcp.connect', 'ssh.identification', 'ssh.kexinit', 'ssh.auth', 'host.exec'],
  transport: 'tcp',
  credential: 'ssh',
  facts: HostFacts,
  async run(ctx) {
    const cred = credentialOf(ctx);
    for (const secret of [cred.password, cred.passphrase, cred.privateKey]) if (secret !== undefined) ctx.transcript.redact(secret);
    const { session, hostKey } = await HostSession.open(ctx, PROBE_ID, cred);
    try {
      const { commands, stopped } = await runAllowList(ctx, session, cred.sudo);
      return { user: cred.user, hostKey, commands, ...(stopped ? { stopped } : {}) };
    } finally {
      await session.close();
    }
  },
};
