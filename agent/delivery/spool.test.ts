import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSigningKeyPair, parsePrivateKey } from '../../report/keys.ts';
import { signResult } from '../../report/sign.ts';
import { sampleResult } from '../../test/sample-result.ts';
import { Spool, SpoolError } from './spool.ts';

const root = mkdtempSync(join(tmpdir(), 'cellcheck-spool-'));
const key = parsePrivateKey(newSigningKeyPair().privatePem, 'k');
const signed = async (runId: string, collectedAt: string) => JSON.stringify(await signResult(sampleResult({ runId, collectedAt }), key));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('spool', () => {
  it('keeps entries oldest collection first, one per run id, with no temp file left', async () => {
    const spool = new Spool(join(root, 'a'));
    spool.put(await signed('run-new', '2026-03-02T00:00:00.000Z'));
    const old = await signed('run-old', '2026-03-01T00:00:00.000Z');
    spool.put(old);
    spool.put(old);
    expect(spool.entries().map((e) => e.runId)).toEqual(['run-old', 'run-new']);
    expect(readdirSync(join(root, 'a')).sort()).toEqual(['20260301T000000000Z_run-old.jws.json', '20260302T000000000Z_run-new.jws.json', 'rejected']);
    const first = spool.entries()[0];
    if (!first) throw new Error('no entry');
    expect(spool.read(first)).toBe(old);
    expect(spool.status()).toEqual({ pending: 2, pendingBytes: spool.entries().reduce((n, e) => n + e.bytes, 0), rejected: 0 });
  });

  it('removes an entry only when told it was acknowledged, and moves a refused one aside with its reason', async () => {
    const spool = new Spool(join(root, 'b'));
    const a = spool.put(await signed('run-a', '2026-03-01T00:00:00.000Z'));
    const b = spool.put(await signed('run-b', '2026-03-02T00:00:00.000Z'));
    spool.acknowledge(a);
    spool.reject(b, 'HTTP 409 replay: run run-b is already stored');
    expect(spool.status()).toEqual({ pending: 0, pendingBytes: 0, rejected: 1 });
    expect(existsSync(join(root, 'b', 'rejected', b.name))).toBe(true);
    expect(readFileSync(join(root, 'b', 'rejected', `${b.name}.reason.txt`), 'utf8')).toContain('409 replay');
  });

  it("clears temp files of dead writers but keeps a live writer's", () => {
    const dir = join(root, 'c');
    new Spool(dir);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, `x.jws.json.tmp-${dead}-abc`), 'half');
    writeFileSync(join(dir, `y.jws.json.tmp-${process.pid}-abc`), 'being written');
    const spool = new Spool(dir);
    expect(readdirSync(dir).sort()).toEqual(['rejected', `y.jws.json.tmp-${process.pid}-abc`]);
    expect(spool.entries()).toEqual([]);
  });

  it('refuses what is not a signed result', () => {
    expect(() => new Spool(join(root, 'd')).put('{"hello":1}')).toThrow(SpoolError);
  });
});
