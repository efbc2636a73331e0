import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** File paths (PEM). */
  readonly files: {
    ca: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    otherCa: string;
    expiredClientCert: string;
    expiredClientKey: string;
    strangerClientCert: string;
    strangerClientKey: string;
  };
  read(name: keyof TestPki['files']): Buffer;
}

/** Why TLS tests cannot run here, or undefined when openssl is there. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (apt-get install openssl): it makes the test CA and certificates';
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** An operator CA with a server certificate for `serverIp` and client certificates (good, expired, from an unrelated CA); made fresh by openssl. */
export function makeTestPki(serverIp: string): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cellcheck-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  for (const ca of ['ca', 'other-ca'])
    openssl(dir, ['req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=cellcheck test ${ca}`]);
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=IP:${serverIp}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  // Client certificates: a good one, one that expired yesterday, and one from the unrelated CA.
  const issued = [
    { who: 'server', ca: 'ca', ext: 'server.ext', days: '2' },
    { who: 'client', ca: 'ca', ext: 'client.ext', days: '2' },
    { who: 'expired-client', ca: 'ca', ext: 'client.ext', days: '-1' },
    { who: 'stranger-client', ca: 'other-ca', ext: 'client.ext', days: '2' },
  ];
  for (const { who, ca, ext, days } of issued) {
    openssl(dir, ['req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=cellcheck test ${who}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      days,
      '-extfile',
      ext,
    ]);
  }
  const files = {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.pem'),
    expiredClientCert: join(dir, 'expired-client.pem'),
    expiredClientKey: join(dir, 'expired-client.key'),
    strangerClientCert: join(dir, 'stranger-client.pem'),
    strangerClientKey: join(dir, 'stranger-client.key'),
  };
  return { dir, files, read: (name) => readFileSync(files[name]) };
}
