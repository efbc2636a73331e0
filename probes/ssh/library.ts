import type ssh2 from 'ssh2';

/**
 * ssh2, loaded on first use so that starting the agent (`--help`, a scan without SSH) does not
 * load it. Imported only by the SSH adapters (ssh/client.ts, host/session.ts).
 */
export async function loadSsh2(): Promise<typeof ssh2> {
  return (await import('ssh2')).default;
}
