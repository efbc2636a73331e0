import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tryRunLock } from './run-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-run-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run lock', () => {
  it('admits one holder at a time and names the holder to the next', () => {
    const file = join(dir, 'one');
    const a = tryRunLock(file, { pid: 101, host: 'edge', alive: () => true });
    if (!('held' in a)) throw new Error('first attempt must hold');
    const b = tryRunLock(file, { pid: 102, host: 'edge', alive: () => true });
    expect(b).toEqual({ busy: expect.objectContaining({ pid: 101, host: 'edge' }) });
    a.held.release();
    expect(existsSync(file)).toBe(false);
    const c = tryRunLock(file, { pid: 102, host: 'edge', alive: () => true });
    expect('held' in c).toBe(true);
  });

  it('takes over a lock whose holder died on this host, never one of a live process or another host', () => {
    const file = join(dir, 'stale');
    writeFileSync(file, JSON.stringify({ pid: 999_999, host: 'edge', since: '2026-01-01T00:00:00Z', token: 'dead' }));
    const taken = tryRunLock(file, { pid: 7, host: 'edge', alive: (pid) => pid !== 999_999 });
    if (!('held' in taken)) throw new Error('a dead holder must not block');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 7 });
    taken.held.release();

    writeFileSync(file, JSON.stringify({ pid: 999_999, host: 'other-host', since: '2026-01-01T00:00:00Z', token: 'remote' }));
    expect(tryRunLock(file, { pid: 7, host: 'edge', alive: () => false })).toEqual({ busy: expect.objectContaining({ host: 'other-host' }) });
  });

  it('treats an unreadable lock file as stale (the agent only ever publishes whole files)', () => {
    const file = join(dir, 'garbage');
    writeFileSync(file, '{"pid": 1');
    expect('held' in tryRunLock(file, { pid: 8, host: 'edge' })).toBe(true);
  });

  it('releases only its own lock', () => {
    const file = join(dir, 'own');
    const a = tryRunLock(file, { pid: 11, host: 'edge', alive: () => false });
    if (!('held' in a)) throw new Error('must hold');
    // Another agent judged it stale (pid 11 "dead") and took over.
    const b = tryRunLock(file, { pid: 12, host: 'edge', alive: (pid) => pid === 12 });
    if (!('held' in b)) throw new Error('takeover must hold');
    a.held.release();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 12 });
  });

  it('works across processes: a live process of this host keeps it', () => {
    const file = join(dir, 'live');
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00Z', token: 'me' }));
    expect('busy' in tryRunLock(file, { pid: process.pid + 1 })).toBe(true);
  });
});
