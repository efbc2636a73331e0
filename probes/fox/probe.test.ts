import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type FoxBehaviour, JACE_STATION, startFoxFixture } from '../../fixtures/fox/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { fixturesPerPosture, itEndsHostilePostures, probeFixture, thrownUnavailable } from '../test-kit.ts';
import type { FoxHelloFacts } from './facts.ts';
import { HELLO_REQUEST, MAX_FIELDS, parseHello } from './hello.ts';
import { foxHelloProbe } from './probe.ts';

const POSTURES = ['spec', 'error', 'truncated', 'garbage', 'endless', 'silent'] as const satisfies readonly FoxBehaviour[];
const fixture = fixturesPerPosture<FoxBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startFoxFixture({ host: testAddress('foxProbe', 1 + POSTURES.indexOf(behaviour)), port: 0, station: JACE_STATION, behaviour }),
);

const probe = (f: RunningFixture) => probeFixture(foxHelloProbe, f, 'fox', { stepTimeoutMs: 400 });

describe('fox.hello against a spec-exact station', () => {
  it('reads the station hello with one request on one connection, and never logs in', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    if (run.outcome.status !== 'ok') throw new Error(JSON.stringify(run.outcome.failure));
    const facts = run.outcome.facts as FoxHelloFacts;
    expect(facts).toMatchObject({
      header: 'fox a 0 -1 fox hello',
      foxVersion: '1.0.1',
      stationName: 'AHU_3_Plant',
      appName: 'Station',
      appVersion: '4.8.0.110',
      brandId: 'vykon',
      vmName: 'Java HotSpot(TM) Embedded Client VM',
      vmVersion: '25.241-b07',
      osName: 'QNX',
      osVersion: '6.5.0',
      hostName: 'jace-ahu-3',
      hostAddress: '10.20.30.42',
      hostId: 'Qnx-NPM6-0000-1F0A-9B2C',
      requestsSent: 1,
    });
    expect(facts.fields.map((x) => x.name)).toEqual(JACE_STATION.map(([name]) => name));
    // The multi-line sysInfo object stays one field.
    expect(facts.fields.find((x) => x.name === 'sysInfo')?.value).toMatch(/^bog 61\[<bog version="1.0">\n.*\n<\/bog>\n\]$/s);
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['hello']);
    expect(f.log.count('auth') + f.log.count('write') + f.log.count('session')).toBe(0);
    expect(run.ctx.transcript.sentOps()).toEqual(['tcp.connect', 'fox.hello']);
    const tx = run.ctx.transcript.entries().find((e) => e.op === 'fox.hello');
    expect(Buffer.from(tx?.hex ?? '', 'hex').toString('latin1')).toBe(HELLO_REQUEST);
    expect(run.ms).toBeLessThan(400);
  });

  it('refuses an error message in place of a hello as a protocol mismatch', async () => {
    const run = await probe(fixture('error'));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'protocol-mismatch', detail: expect.stringMatching(/fox error/) } });
  });
});

describe('fox.hello against hostile stations', () => {
  itEndsHostilePostures(foxHelloProbe, 'fox', fixture, [
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['endless', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes it could not frame', async () => {
    const run = await probe(fixture('garbage'));
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'fox.reply')).toBe(true);
  });
});

describe('the Fox hello parser', () => {
  const frame = (body: string) => Buffer.from(`fox a 0 -1 fox hello\n{\n${body}};;`, 'latin1');

  it('keeps at most MAX_FIELDS fields and refuses a frame without a header or braces', () => {
    const many = Array.from({ length: MAX_FIELDS + 10 }, (_, i) => `f${i}=i:${i}\n`).join('');
    expect(parseHello(frame(many)).fields).toHaveLength(MAX_FIELDS);
    expect(thrownUnavailable(() => parseHello(Buffer.from('fox hello\n{\n};;'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseHello(Buffer.from('fox a 0 -1 fox hello\nx=s:1\n};;'))).message).toMatch(/no "\{"/);
  });
});
