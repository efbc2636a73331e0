import type { HostCredential } from '../../probes/host/session.ts';
import { privateKeyProblem } from '../../probes/host/session.ts';
import { type Config, ConfigError } from '../config/config.ts';
import type { PlannedTarget } from './targets.ts';
import { readUserFile, readUserFileIfPresent } from '../config/user-file.ts';

/** Index of the `credentials` entry a target uses: its own address first, else its configured role. */
export function credentialIndex(config: Config, target: PlannedTarget): number | undefined {
  const byHost = config.credentials.findIndex((c) => c.match.host === target.address);
  if (byHost >= 0) return byHost;
  const byRole = config.credentials.findIndex((c) => c.match.role !== undefined && c.match.role === target.role);
  return byRole >= 0 ? byRole : undefined;
}

/**
 * Reads every credential's secrets once, before any packet is sent, so a missing key file or
 * variable is a config error naming the key. The result is index-aligned with `config.credentials`
 * and lives in memory only: nothing of it reaches the run directory.
 */
export async function loadCredentials(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<HostCredential[]> {
  const loaded: HostCredential[] = [];
  for (const [i, entry] of config.credentials.entries()) {
    const where = (key: string) => `credentials[${i}].ssh.${key}`;
    const ssh = entry.ssh;
    const readFile = (key: string, file: string, missingOk = false): string | undefined =>
      (missingOk ? readUserFileIfPresent : readUserFile)(file, { key: where(key), error: ConfigError })?.toString('utf8');
    const fromEnv = (key: string, name: string): string => {
      const value = env[name];
      if (value === undefined || value === '') throw new ConfigError(`${where(key)}: environment variable ${name} is not set`);
      return value;
    };
    const passphrase = ssh.passphraseEnv === undefined ? undefined : fromEnv('passphraseEnv', ssh.passphraseEnv);
    const privateKey = ssh.keyFile === undefined ? undefined : readFile('keyFile', ssh.keyFile);
    if (privateKey !== undefined) {
      const problem = await privateKeyProblem(privateKey, passphrase);
      if (problem) throw new ConfigError(`${where('keyFile')}: "${ssh.keyFile}" is not a usable private key: ${problem}`);
    }
    let password: string | undefined;
    if (ssh.passwordEnv !== undefined) password = fromEnv('passwordEnv', ssh.passwordEnv);
    if (ssh.passwordFile !== undefined) password = readFile('passwordFile', ssh.passwordFile)?.replace(/\r?\n$/, '');
    if (password === '') throw new ConfigError(`${where('passwordFile')}: "${ssh.passwordFile}" is empty`);
    // With first-use recording the file may not exist yet; without it, nothing could ever be trusted.
    const knownHosts = readFile('knownHosts', ssh.knownHosts, ssh.recordFirstUse) ?? '';
    loaded.push({
      user: ssh.user,
      knownHostsFile: ssh.knownHosts,
      knownHosts,
      recordFirstUse: ssh.recordFirstUse,
      sudo: ssh.sudo,
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(password !== undefined ? { password } : {}),
    });
  }
  return loaded;
}
