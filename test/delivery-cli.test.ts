import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startConsoleProcess } from './run-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-delivery-cli-'));

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, dir, env);

let consoleProc: ChildProcess | undefined;
/** host:port the console child listens on (port chosen by the system). */
let listen = '';
const tokenOf = (stdout: string) => stdout.trim().split('\n').at(-1) ?? '';

beforeAll(async () => {
  ({ child: consoleProc, listen } = await startConsoleProcess(join(dir, 'console.db'), '127.82.5.10:0', dir));
});
afterAll(async () => {
  const exited = new Promise((r) => consoleProc?.once('exit', r));
  consoleProc?.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('keys, signing and verification from the command line', () => {
  let kid = '';
  let runDir = '';

  it('keygen makes a key pair (private 0600), prints its key id, and refuses to overwrite', async () => {
    const r = await cli(['keygen', '--out', 'keys']);
    expect(r.code).toBe(0);
    kid = /Key id:\s+(\S+)/.exec(r.stdout)?.[1] ?? '';
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, 'keys/signing.key')).mode & 0o777).toBe(0o600);
    const again = await cli(['keygen', '--out', 'keys']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('signing.key already exists; refusing to overwrite');
  });

  it('scan --key writes result.signed.json into the run directory; verify accepts it with the key or a JWKS', async () => {
    writeFileSync(join(dir, 'zone.yaml'), 'zone: {name: signed, slT: 1}\ntargets: [{cidr: 127.82.5.0/30}]\nscan: {connectTimeoutMs: 200}\n');
    const r = await cli(['scan', '--config', 'zone.yaml', '--out', 'runs', '--key', 'keys/signing.key', '--quiet']);
    expect(r.code).toBe(3);
    const [run] = readdirSync(join(dir, 'runs'));
    runDir = join('runs', run ?? '');
    expect(r.stderr).toContain(`Signed result: ${join(runDir, 'result.signed.json')}`);
    const ok = await cli(['verify', runDir, '--key', 'keys/signing.pub']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`verified: run ${run} of agent`);
    expect(ok.stdout).toContain(`by key ${kid}`);
    const jwk = JSON.parse(
      JSON.stringify((await import('node:crypto')).createPublicKey(readFileSync(join(dir, 'keys/signing.pub'))).export({ format: 'jwk' })),
    );
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    expect((await cli(['verify', join(runDir, 'result.signed.json'), '--keys', 'jwks.json'])).code).toBe(0);
  });

  it('verify exits 1 with a clear message on a changed byte or an unknown key, and 2 without a key', async () => {
    const file = join(dir, runDir, 'result.signed.json');
    const signed = JSON.parse(readFileSync(file, 'utf8'));
    const payload = Buffer.from(base64url.decode(signed.payload));
    payload[payload.indexOf('signed')] = 'S'.charCodeAt(0);
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify({ ...signed, payload: base64url.encode(payload) }));
    const bad = await cli(['verify', 'tampered.json', '--key', 'keys/signing.pub']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('tampered.json: NOT verified (bad-signature)');
    await cli(['keygen', '--out', 'other']);
    const unknown = await cli(['verify', runDir, '--key', 'other/signing.pub']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`NOT verified (unknown-key): signed by an unknown key (kid ${kid})`);
    const noKey = await cli(['verify', runDir]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('verify needs the trusted key');
  });

  it('verify RUN fails and names the file when result.json or a report is not what was signed', async () => {
    const verify = () => cli(['verify', runDir, '--key', 'keys/signing.pub']);
    const intact = await verify();
    expect(intact.stdout).toContain('result.json, report.html, inventory.cdx.json, findings.csv, plan.csv match the signed payload');
    const edit = (name: string, change: (text: string) => string) => {
      const file = join(dir, runDir, name);
      const original = readFileSync(file, 'utf8');
      writeFileSync(file, change(original));
      return () => writeFileSync(file, original);
    };

    const restoreResult = edit('result.json', (t) => JSON.stringify({ ...JSON.parse(t), zone: { name: 'edited', slT: [4, 4, 4, 4, 4, 4, 4] } }, null, 2));
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(`${join(runDir, 'result.json')}: NOT verified (changed): differs from the signed payload in result.signed.json`);
    expect(edited.stdout).not.toContain('verified');
    restoreResult();
    // The same JSON in another layout is the same result.
    const restoreLayout = edit('result.json', (t) => JSON.stringify(JSON.parse(t)));
    expect((await verify()).code).toBe(0);
    restoreLayout();

    const restoreCsv = edit('findings.csv', (t) => `${t}127.82.5.1,fake,pass\r\n`);
    const csv = await verify();
    expect(csv.code).toBe(1);
    expect(csv.stderr).toContain(`${join(runDir, 'findings.csv')}: NOT verified (changed): is not what the signed payload in result.signed.json renders to`);
    restoreCsv();
    const restoreHtml = edit('report.html', (t) => t.replace('<h1>', '<h1>All devices meet the target. '));
    expect((await verify()).stderr).toContain(`${join(runDir, 'report.html')}: NOT verified (changed)`);
    restoreHtml();
    const restoreInventory = edit('inventory.cdx.json', () => '');
    rmSync(join(dir, runDir, 'inventory.cdx.json'));
    expect((await verify()).stderr).toContain(`${join(runDir, 'inventory.cdx.json')}: NOT verified (missing)`);
    restoreInventory();
    expect((await verify()).code).toBe(0);

    // A second run of the zone carries drift.json; it is recomputed from the run it names.
    await cli(['scan', '--config', 'zone.yaml', '--out', 'runs', '--key', 'keys/signing.key', '--quiet']);
    const second = join('runs', readdirSync(join(dir, 'runs')).find((r) => join('runs', r) !== runDir) ?? '');
    const file = join(dir, second, 'drift.json');
    expect((await cli(['verify', second, '--key', 'keys/signing.pub'])).stdout).toContain('findings.csv, plan.csv, drift.json match the signed payload');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"worse": false', '"worse": true'));
    const drift = await cli(['verify', second, '--key', 'keys/signing.pub']);
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain(`${join(second, 'drift.json')}: NOT verified (changed): differs from the drift against ${basename(runDir)}`);
  });

  it('console enroll + scan --upload: the console stores the signed run; a reader lists it', async () => {
    const enrol = await cli(['console', 'enroll', '--db', 'console.db', '--agent', 'edge-1', '--key', 'keys/signing.pub', '--zone', 'uploaded']);
    expect(enrol.code).toBe(0);
    expect(enrol.stdout).toContain(`Enrolled agent edge-1 with key ${kid}`);
    const reader = await cli(['console', 'enroll', '--db', 'console.db', '--reader', 'auditor']);
    const config = [
      'zone: {name: uploaded, slT: 1}',
      'targets: [{cidr: 127.82.5.4/30}]',
      'scan: {connectTimeoutMs: 200}',
      'signing: {keyFile: keys/signing.key, agentId: edge-1}',
      `upload: {url: "http://${listen}", tokenEnv: EDGE_TOKEN, spoolDir: spool, retry: {attempts: 2, baseDelayMs: 10}}`,
    ].join('\n');
    writeFileSync(join(dir, 'upload.yaml'), config);
    const r = await cli(['scan', '--config', 'upload.yaml', '--out', 'runs-up', '--upload', '--quiet'], { EDGE_TOKEN: tokenOf(enrol.stdout) });
    expect(r.stderr).not.toContain(tokenOf(enrol.stdout));
    expect(r.stderr).toMatch(/Upload: 1 delivered; 0 waiting in spool \(0 bytes\)/);
    const [run] = readdirSync(join(dir, 'runs-up'));
    const listed = await fetch(`http://${listen}/api/v1/results?zone=uploaded`, { headers: { authorization: `Bearer ${tokenOf(reader.stdout)}` } });
    expect(((await listed.json()) as { results: { runId: string; agentId: string }[] }).results).toEqual([
      expect.objectContaining({ runId: run, agentId: 'edge-1' }),
    ]);
  });

  it('refuses an upload config without a token before scanning (exit 2, naming the key)', async () => {
    writeFileSync(join(dir, 'no-token.yaml'), 'zone: {name: z, slT: 1}\ntargets: [{host: 127.82.5.9}]\nupload: {url: "http://127.82.5.10:1"}\n');
    const r = await cli(['scan', '--config', 'no-token.yaml', '--upload']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-token.yaml: upload: give the bearer token exactly one way: token, tokenFile or tokenEnv');
    writeFileSync(join(dir, 'plain.yaml'), 'zone: {name: z, slT: 1}\ntargets: [{host: 127.82.5.9}]\nupload: {url: "http://10.1.2.3:80", token: t}\n');
    expect((await cli(['scan', '--config', 'plain.yaml'])).stderr).toContain('plain.yaml: upload.url: plain http only to a loopback console');
  });
});
