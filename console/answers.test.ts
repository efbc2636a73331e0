import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../profiles/catalog.ts';
import type { Result } from '../report/result.ts';
import { sampleResult } from '../test/sample-result.ts';
import { ANSWER, AnswerPayload, COUNTERMEASURE, payloadProblems, statementFiles, zoneStatements } from './answers.ts';
import type { Proposal } from './proposals.ts';

/** Two PLCs of one model and one of another, as a zone's latest run. */
const latest: Result = (() => {
  const r = sampleResult({ runId: 'r', addresses: ['127.0.0.10', '127.0.0.11', '127.0.0.12'] });
  const models = ['S7-1500', 's7-1500 ', 'M580'];
  return { ...r, devices: r.devices.map((d, i) => ({ ...d, identity: { model: { value: models[i] ?? '', source: 'test' } } })) };
})();

let n = 0;
const approved = (kind: string, payload: unknown): Proposal => ({
  id: `p${++n}`,
  kind,
  subject: 'Line 1',
  payload,
  payloadSha256: 'a'.repeat(64),
  summary: 's',
  status: 'approved',
  proposedBy: 'eric',
  proposedAt: '2026-11-02T09:00:00.000Z',
  decidedBy: 'ada',
  decidedAt: '2026-11-03T09:00:00.000Z',
});
const answer = (scope: unknown) => approved(ANSWER, { requirement: 'CR 1.3', scope, status: 'satisfied', statement: 'st', evidence: 'ev' });

describe('answers as statement entries', () => {
  it('writes an identity scope as the addresses of the matching devices (case and spaces aside), and says when none matches', () => {
    const s = zoneStatements(
      'Line 1',
      [answer({ identity: { field: 'model', value: 'S7-1500' } }), answer({ identity: { field: 'model', value: 'X' } })],
      [],
      latest,
    );
    expect(s.attestations[0]?.entry?.devices).toEqual(['127.0.0.10', '127.0.0.11']);
    expect(s.attestations[1]).toMatchObject({ unresolved: 'matches no device of the latest run' });
    expect(s.attestations[1]?.entry).toBeUndefined();
    expect(statementFiles(s).attestations.entries).toBe(1);
  });

  it('keeps the whole zone and a component type as the file says them; an exception, which has no type, names the devices', () => {
    const s = zoneStatements(
      'Line 1',
      [answer({}), answer({ componentType: 'EDR' })],
      [approved(COUNTERMEASURE, { requirement: 'CR 3.1', scope: { componentType: 'EDR' }, countermeasure: 'c', justification: 'j', expires: '2027-01-01' })],
      latest,
    );
    expect(s.attestations.map((a) => a.entry)).toEqual([
      { requirement: 'CR 1.3', status: 'satisfied', statement: 'st', by: 'eric', date: '2026-11-02', evidence: 'ev' },
      { requirement: 'CR 1.3', componentType: 'EDR', status: 'satisfied', statement: 'st', by: 'eric', date: '2026-11-02', evidence: 'ev' },
    ]);
    expect(s.exceptions[0]?.entry).toEqual({
      requirement: 'CR 3.1',
      devices: ['127.0.0.10', '127.0.0.11', '127.0.0.12'],
      countermeasure: 'c',
      justification: 'j',
      approvedBy: 'ada',
      approved: '2026-11-03',
      expires: '2027-01-01',
    });
  });

  it('keeps an answer the file format would refuse out of the files, saying why, rather than failing the page', () => {
    const s = zoneStatements(
      'Line 1',
      [
        approved(ANSWER, { requirement: 'CR 1.3', scope: {}, status: 'satisfied', statement: 'st', evidence: 'ev', expires: '2025-01-01' }),
        approved(ANSWER, { requirement: 'CR 1.3', scope: {}, status: 'maybe' }),
      ],
      [],
      latest,
    );
    expect(s.attestations.map((a) => a.unresolved)).toEqual([
      'expires 2025-01-01, before its date 2026-11-02',
      expect.stringContaining('does not fit the answer schema'),
    ]);
    expect(statementFiles(s).attestations.entries).toBe(0);
  });

  it('refuses scopes that name devices and an identity at once, and requirements the catalog or the type lacks', () => {
    const base = { requirement: 'CR 1.3', status: 'satisfied', statement: 's', evidence: 'e' };
    expect(AnswerPayload.safeParse({ ...base, scope: { devices: ['a'], identity: { field: 'model', value: 'x' } } }).success).toBe(false);
    expect(AnswerPayload.safeParse({ ...base, scope: { identity: { field: 'colour', value: 'x' } } }).success).toBe(false);
    expect(payloadProblems(AnswerPayload.parse({ ...base, requirement: 'CR 9.9', scope: {} }), bundledCatalog)[0]?.message).toMatch(/not in the catalog/);
    expect(payloadProblems(AnswerPayload.parse({ ...base, requirement: 'EDR 2.4', scope: { componentType: 'NDR' } }), bundledCatalog)[0]?.message).toMatch(
      /does not apply to NDR/,
    );
  });
});
