import { createHash, createHmac } from 'node:crypto';

/**
 * Host key pinning in OpenSSH known_hosts format: `host[,host...] keytype base64 [comment]`,
 * hashed hosts (`|1|salt|hash`), `[host]:port` for other ports, and `@revoked` lines.
 * `@cert-authority` lines are ignored: certificates are not accepted for pinning.
 */
export type PinVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** The name a host is recorded under: bare on port 22, `[host]:port` otherwise. */
export function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function hostMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return field.split(',').some((pattern) => pattern === name);
}

/** Compares a server's host key (wire blob) with the entries for `name`. Pure. */
export function checkPin(knownHosts: string, name: string, keyBlob: Buffer): PinVerdict {
  const offered = keyBlob.toString('base64');
  let sawHost = false;
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [hosts, , key] = fields;
    if (!hosts || !key || !hostMatches(hosts, name)) continue;
    if (marker === '@revoked') {
      if (key === offered) return 'revoked';
      continue;
    }
    if (marker !== undefined) continue;
    sawHost = true;
    if (key === offered) return 'match';
  }
  return sawHost ? 'mismatch' : 'unknown';
}

/** The known_hosts line that pins this key for `name`. */
export function knownHostsLine(name: string, keyBlob: Buffer): string {
  return `${name} ${keyType(keyBlob)} ${keyBlob.toString('base64')}\n`;
}

/** Algorithm name at the start of an SSH public key blob (string: uint32 length + bytes). */
export function keyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

export function fingerprint(keyBlob: Buffer): string {
  return createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}
