import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '../../console/server.ts';
import { ConsoleStore } from '../../console/store.ts';
import { proposeModel } from '../../console/zone-model-store.ts';
import type { ZoneModel } from '../../profiles/zone-model.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../../report/keys.ts';
import { testAddress } from '../../test/addresses.ts';
import { uploadResult } from '../../test/setup/console-fleet.ts';
import { plantResult } from '../../test/setup/zone-plant.ts';
import type { UploadTarget } from '../delivery/upload.ts';
import { parseConfig } from '../config/config.ts';
import { fetchReachabilityView, reachabilityFromConsole } from './reachability-fetch.ts';

const at = (n: number) => testAddress('reachabilityFetch', n);
const MODEL: ZoneModel = {
  zones: [
    { name: 'cell', slT: 2, ranges: [`${at(0)}/28`], conduits: [{ to: 'scada', ports: [4840], purpose: 'OPC UA to the historian' }] },
    { name: 'scada', ranges: [`${at(16)}/28`], conduits: [] },
  ],
  canaries: [{ zone: 'scada', host: at(30), ports: [3389] }],
};

const root = mkdtempSync(join(tmpdir(), 'cellcheck-reach-fetch-'));
let store: ConsoleStore;
let svc: RunningConsole;
const tokens: Record<string, string> = {};
const target = (token: string, url = svc.url): UploadTarget => ({ url: new URL(url), token, timeoutMs: 3000, proxyEnv: {} });

beforeAll(async () => {
  store = await ConsoleStore.open(join(root, 'console.db'));
  svc = await startConsole({ store, host: at(1), port: 0 });
  for (const zone of ['cell', 'scada'] as const) {
    const pair = newSigningKeyPair();
    const pub = parsePublicKey(pair.publicPem, 'p');
    tokens[zone] = await store.enrollAgent(`agent-${zone}`, pub, await keyId(pub), new Date(), { zones: [zone] });
    const devices = zone === 'scada' ? [{ address: at(20), tcp: [4840, 502] }] : [{ address: at(5), tcp: [502] }];
    const run = plantResult({ runId: `${zone}-1`, zone, agentId: `agent-${zone}`, collectedAt: '2026-03-01T08:00:00.000Z', devices });
    expect(await uploadResult(svc.url, tokens[zone] ?? '', parsePrivateKey(pair.privatePem, 'k'), run)).toMatchObject({ status: 201 });
  }
  const proposal = await proposeModel(store, MODEL, 'cell and scada', { user: 'erin', role: 'engineer' }, new Date());
  await store.proposals.approve(proposal.id, { user: 'omar', role: 'engineer' }, new Date());
});
afterAll(async () => {
  await svc?.close();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the agent's fetch of its zone's destinations from the console", () => {
  it("gets the other zone's devices on their service ports, the canaries, and its own conduits and ranges", async () => {
    expect(await fetchReachabilityView(target(tokens.cell ?? ''), 'cell')).toEqual({
      zone: 'cell',
      ranges: [`${at(0)}/28`],
      conduits: [{ to: 'scada', ports: [4840], purpose: 'OPC UA to the historian' }],
      destinations: [
        { host: at(20), ports: [502, 4840], zone: 'scada' },
        { host: at(30), ports: [3389], zone: 'scada' },
      ],
    });
  });

  it("gets no other zone's view with its token, and says why in the console's words", async () => {
    const answer = await fetchReachabilityView(target(tokens.cell ?? ''), 'scada');
    expect(answer).toBe('the console\'s destinations for zone "scada" were refused: HTTP 403 zone-not-allowed: agent agent-cell is not bound to zone "scada"');
  });

  it('is asked only when the config says fromConsole, and only of the console it uploads to', async () => {
    const config = (fromConsole: boolean) =>
      parseConfig(
        { zone: { name: 'cell', slT: 2 }, targets: [{ host: at(5) }], reachability: { fromConsole, destinations: [{ host: at(20), ports: [1] }] } },
        'zone.yaml',
      );
    const upload = { target: target(tokens.cell ?? ''), spoolDir: 'spool', retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
    expect(await reachabilityFromConsole(config(false), { upload })).toBeUndefined();
    expect(await reachabilityFromConsole(config(true), {})).toBe('reachability.fromConsole needs the console named in upload (url and token)');
    expect(await reachabilityFromConsole(config(true), { upload })).toMatchObject({ zone: 'cell', destinations: [{ host: at(20) }, { host: at(30) }] });
  });

  it('says so when the console is not there', async () => {
    const answer = await fetchReachabilityView(target('t', `http://${at(3)}:9`), 'cell');
    expect(answer).toMatch(/^the console's destinations for zone "cell" could not be fetched: ECONNREFUSED/);
  });
});

describe('a console reply that is no view of the zone is refused, never half used', () => {
  let replies: (() => { status: number; body: string }) | undefined;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      const r = replies?.() ?? { status: 500, body: '' };
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
    });
    await new Promise<void>((resolve) => server.listen(0, at(2), resolve));
    url = `http://${at(2)}:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const answerTo = async (body: string) => {
    replies = () => ({ status: 200, body });
    return fetchReachabilityView(target('t', url), 'cell');
  };

  it('names what is wrong', async () => {
    expect(await answerTo('{"zone": "cell",')).toMatch(/the reply is not JSON$/);
    expect(await answerTo(JSON.stringify({ zone: 'cell', ranges: [], conduits: [], destinations: [{ host: 'plc.example', ports: [502] }] }))).toMatch(
      /destinations\.0\.host: "plc\.example" is not an IPv4 address$/,
    );
    expect(await answerTo(JSON.stringify({ zone: 'scada', ranges: [], conduits: [], destinations: [] }))).toMatch(/the console answered for zone "scada"$/);
    expect(await answerTo(JSON.stringify({ zone: 'cell', ranges: [], conduits: [], destinations: [], pad: 'x'.repeat(3 * 1024 * 1024) }))).toMatch(
      /reply larger than 2097152 bytes$/,
    );
  });
});
