import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, COUNTERMEASURE } from '../../console/answers.ts';
import { zoneAnswers } from '../../console/assessment.ts';
import { type RunningConsole, startConsole } from '../../console/server.ts';
import { ConsoleStore } from '../../console/store.ts';
import { bundledCatalog } from '../../profiles/catalog.ts';
import { keyId, newSigningKeyPair, parsePublicKey } from '../../report/keys.ts';
import type { Result } from '../../report/result.ts';
import { testAddress } from '../../test/addresses.ts';
import { runCli } from '../../test/run-process.ts';
import type { UploadTarget } from '../delivery/upload.ts';
import { fetchConsoleStatements } from './statements-fetch.ts';

const at = (n: number) => testAddress('statementsFetch', n);
const root = mkdtempSync(join(tmpdir(), 'cellcheck-statements-fetch-'));
let store: ConsoleStore;
let svc: RunningConsole;
let token = '';
const target = (t: string, url = svc.url): UploadTarget => ({ url: new URL(url), token: t, timeoutMs: 3000, proxyEnv: {} });
const eric = { user: 'eric', role: 'engineer' } as const;
const ada = { user: 'ada', role: 'admin' } as const;

beforeAll(async () => {
  store = await ConsoleStore.open(join(root, 'console.db'));
  svc = await startConsole({ store, host: at(1), port: 0 });
  const pair = newSigningKeyPair();
  mkdirSync(join(root, 'keys'));
  writeFileSync(join(root, 'keys/signing.key'), pair.privatePem, { mode: 0o600 });
  const pub = parsePublicKey(pair.publicPem, 'signing.pub');
  token = await store.enrollAgent('edge-100', pub, await keyId(pub), new Date(), { zones: ['cell', 'quiet'] });
  const answer = await store.proposals.propose(
    {
      kind: ANSWER,
      subject: 'cell',
      payload: { requirement: 'CR 7.3', scope: {}, status: 'satisfied', statement: 'Weekly backups to the archive.', evidence: 'BACKUP-PLAN-L3' },
      summary: 'CR 7.3',
    },
    eric,
    new Date(),
  );
  await store.proposals.approve(answer.id, ada, new Date());
  const countermeasure = await store.proposals.propose(
    {
      kind: COUNTERMEASURE,
      subject: 'cell',
      payload: { requirement: 'CR 4.1', scope: { devices: [at(9)] }, countermeasure: 'VPN only', justification: 'Legacy panel', expires: '2099-01-01' },
      summary: 'CR 4.1',
      expires: '2099-01-01',
    },
    eric,
    new Date(),
  );
  await store.proposals.approve(countermeasure.id, ada, new Date());
  // Proposed, not approved: never fetched.
  await store.proposals.propose(
    {
      kind: ANSWER,
      subject: 'cell',
      payload: { requirement: 'CR 1.3', scope: {}, status: 'satisfied', statement: 'pending', evidence: 'x' },
      summary: 'CR 1.3',
    },
    eric,
    new Date(),
  );
}, 60_000);
afterAll(async () => {
  await svc?.close();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the agent's fetch of its zone's approved answers", () => {
  it('gets the approved answers only, as the files the console exports, with the same digests', async () => {
    const fetched = await fetchConsoleStatements(target(token), 'cell', join(root, 'fetched'), bundledCatalog);
    if (typeof fetched !== 'object') throw new Error(`not fetched: ${fetched}`);
    const exported = (await zoneAnswers(store.proposals, 'cell', undefined, new Date())).files;
    expect(fetched.attestations?.entries.map((a) => [a.requirement, a.by])).toEqual([['CR 7.3', 'eric']]);
    expect(fetched.exceptions?.entries.map((e) => [e.requirement, e.approvedBy, e.devices])).toEqual([['CR 4.1', 'ada', [at(9)]]]);
    expect(fetched.attestations?.sha256).toBe(exported.attestations.sha256);
    expect(fetched.exceptions?.sha256).toBe(exported.exceptions.sha256);
  });

  it('gets nothing for a zone without approved answers, and is refused another zone', async () => {
    expect(await fetchConsoleStatements(target(token), 'quiet', join(root, 'quiet'), bundledCatalog)).toBeUndefined();
    expect(await fetchConsoleStatements(target(token), 'line 2', join(root, 'other'), bundledCatalog)).toBe(
      'the console\'s answers for zone "line 2" were refused: HTTP 403 zone-not-allowed: agent edge-100 is not bound to zone "line 2"',
    );
    expect(await fetchConsoleStatements(target('not-a-token'), 'cell', join(root, 'other'), bundledCatalog)).toMatch(/HTTP 401 unauthorized/);
    const reader = await store.addReader('auditor', new Date());
    const asReader = await fetchConsoleStatements(target(reader), 'cell', join(root, 'reader'), bundledCatalog);
    expect(typeof asReader === 'object' && asReader.attestations?.entries.length).toBe(1);
  });

  it('`cellcheck agent --once` fetches them before the run; the signed result records the console’s digests', async () => {
    const config = `zone: {name: cell, slT: 1}\ntargets: [{host: ${at(9)}, role: plc}]\nsigning: { keyFile: keys/signing.key, agentId: edge-100 }\nupload: { url: '${svc.url}', tokenFile: token, spoolDir: spool, retry: { attempts: 1 } }\nschedule: { every: 6h }\n`;
    writeFileSync(join(root, 'agent.yaml'), config);
    writeFileSync(join(root, 'token'), `${token}\n`);
    const r = await runCli(['agent', '--config', 'agent.yaml', '--out', 'runs', '--once', '--log', 'agent.log'], root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const log = readFileSync(join(root, 'agent.log'), 'utf8');
    expect(log).toContain('"event":"statements.fetch"');
    const [run] = await store.listRuns({ zone: 'cell', limit: 1 });
    const stored = await store.run(run?.runId ?? '');
    const payload = JSON.parse(Buffer.from((JSON.parse(stored?.envelope ?? '{}') as { payload: string }).payload, 'base64url').toString()) as Result;
    const exported = (await zoneAnswers(store.proposals, 'cell', undefined, new Date())).files;
    expect(payload.statements?.attestations).toEqual({ sha256: exported.attestations.sha256, entries: 1 });
    expect(payload.statements?.exceptions).toEqual({ sha256: exported.exceptions.sha256, entries: 1 });
  });
});

describe('a reply that is not the zone’s statements is refused, never half used', () => {
  let body = '';
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, at(2), resolve));
    url = `http://${at(2)}:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const file = (text: string, sha256 = createHash('sha256').update(text).digest('hex')) => ({ name: 'f.yaml', text, sha256, entries: 1 });
  const answerTo = (reply: unknown) => {
    body = typeof reply === 'string' ? reply : JSON.stringify(reply);
    return fetchAsText(target('t', url), 'cell', join(root, 'hostile'), bundledCatalog);
  };
  const fetchAsText = async (...args: Parameters<typeof fetchConsoleStatements>) => {
    const answer = await fetchConsoleStatements(...args);
    return typeof answer === 'string' ? answer : JSON.stringify(answer);
  };
  const empty = { exceptions: file('schemaVersion: 1\nexceptions: []\n') };

  it('names what is wrong', async () => {
    expect(await answerTo('{"zone":')).toMatch(/the reply is not JSON$/);
    expect(await answerTo({ zone: 'other', approved: 1, attestations: file('x'), ...empty })).toMatch(/answered for zone "other"$/);
    expect(await answerTo({ zone: 'cell', approved: 1, attestations: file('schemaVersion: 1\nattestations: []\n', 'a'.repeat(64)), ...empty })).toMatch(
      /the attestations file does not match its SHA-256$/,
    );
    expect(
      await answerTo({
        zone: 'cell',
        approved: 1,
        attestations: file('schemaVersion: 1\nattestations: [{requirement: CR 99.9, statement: s, by: b, date: 2026-01-01, evidence: e}]\n'),
        ...empty,
      }),
    ).toMatch(/console-attestations\.yaml.*CR 99\.9.*not in the catalog/s);
  });
});
