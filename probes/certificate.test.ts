import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateFacts, parseSubjectAltName } from './certificate.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeCert(args: string[]): string {
  const out = join(dir, `${args.join('_').replace(/\W/g, '')}.pem`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', out, '-days', '30', '-subj', '/CN=plc', ...args], {
    stdio: 'ignore',
  });
  return readFileSync(out, 'utf8');
}

describe('certificateFacts', () => {
  it('reads key size, SHA-1 signature and self-signature of a weak certificate', () => {
    const f = certificateFacts(makeCert(['-newkey', 'rsa:1024', '-sha1', '-addext', 'subjectAltName=URI:urn:plc:weak,DNS:plc.local']));
    expect(f.keyType).toBe('rsa');
    expect(f.keyBits).toBe(1024);
    expect(f.signatureHash).toBe('sha1');
    expect(f.selfSigned).toBe(true);
    expect(f.sanUris).toEqual(['urn:plc:weak']);
    expect(f.sanDns).toEqual(['plc.local']);
  });

  it('reads an EC key as its curve size', () => {
    const f = certificateFacts(makeCert(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-sha384']));
    expect(f.keyType).toBe('ec');
    expect(f.keyBits).toBe(256);
    expect(f.signatureHash).toBe('sha384');
  });

  it('throws on bytes that are not a certificate', () => {
    expect(() => certificateFacts(Buffer.from('garbage'))).toThrow();
  });

  it('parses quoted SAN values with commas', () => {
    expect(parseSubjectAltName('URI:"urn:a,b", IP Address:127.0.0.1')).toEqual({ sanUris: ['urn:a,b'], sanDns: [], sanIps: ['127.0.0.1'] });
  });
});
