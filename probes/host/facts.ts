import { z } from 'zod';

/**
 * What became of one allow-listed command: `ok` (output parsed), `unrecognised` (output not in
 * the expected format), `empty` (nothing printed), `not-found` (no such command on the host or
 * its PATH), `denied` (needs privileges the account lacks), `failed` (other error), `timeout`.
 */
export const CommandStatus = z.enum(['ok', 'unrecognised', 'empty', 'not-found', 'denied', 'failed', 'timeout']);
export type CommandStatus = z.infer<typeof CommandStatus>;

export const CommandRun = z.object({
  id: z.string(),
  /** The exact line sent (allow-listed text, with `sudo -n` when configured for it). */
  line: z.string(),
  sudo: z.boolean(),
  /** The file a listener config read was for (command `sshd-listener-config`). */
  file: z.string().optional(),
  status: CommandStatus,
  exitCode: z.number().int().optional(),
  durationMs: z.number(),
  /** Bytes of stdout received (up to the command's limit). */
  bytes: z.number().int(),
  /** The output limit cut the output; the parser read only complete lines. */
  truncated: z.boolean(),
  /** First line of stderr when the command did not succeed. */
  error: z.string().optional(),
  /** Facts from the command's parser (host/parsers.ts gives the schema per parser). */
  data: z.unknown().optional(),
});
export type CommandRun = z.infer<typeof CommandRun>;

export const HostKeyPin = z.object({
  type: z.string(),
  /** SHA-256 of the key blob, base64 without padding, as OpenSSH prints it. */
  fingerprint: z.string(),
  /** `pinned`: matched a known_hosts entry; `recorded`: unknown before, written on first use (opted in). */
  trust: z.enum(['pinned', 'recorded']),
});

/** Facts of one credentialed, read-only session (probe `host.commands`). */
export const HostFacts = z.object({
  user: z.string(),
  hostKey: HostKeyPin,
  commands: z.array(CommandRun),
  /** Why the list was not run to its end (budget spent, session closed); the runs above are kept. */
  stopped: z.string().optional(),
});
export type HostFacts = z.infer<typeof HostFacts>;
