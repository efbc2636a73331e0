import type { AttestationRecord, ExceptionRecord, Gap, RequirementResult } from './model.ts';
import type { Attestation, Exception } from './statements.ts';

/** How statements name a device: by its address or by its target name from the config. */
export interface DeviceKey {
  readonly address: string;
  readonly name?: string | undefined;
}

export function namesDevice(devices: readonly string[] | undefined, device: DeviceKey): boolean {
  return devices === undefined || devices.includes(device.address) || (device.name !== undefined && devices.includes(device.name));
}

/** Valid through its expiry day: expired once the evaluation time is past that date. */
export function isExpired(expires: string | undefined, at: string): boolean {
  return expires !== undefined && at.slice(0, 10) > expires;
}

function attests(a: Attestation, row: Pick<RequirementResult, 'id' | 'componentType'>, device: DeviceKey): boolean {
  return a.requirement === row.id && namesDevice(a.devices, device) && (a.componentType === undefined || a.componentType === row.componentType);
}

function record(a: Attestation, state: AttestationRecord['state']): AttestationRecord {
  return {
    state,
    status: a.status,
    statement: a.statement,
    by: a.by,
    date: a.date,
    evidence: a.evidence,
    ...(a.expires === undefined ? {} : { expires: a.expires }),
  };
}

/**
 * Weighs attestations against one device's requirement rows. An attestation decides only a row
 * that observation and the catalog left open; one a failing check refutes is kept visible as
 * contradicted and never applied; an expired one is shown and ignored. Among several for one row,
 * the first unexpired wins. Returns the rows and the indices of the attestations that matched.
 */
export function applyAttestations(
  rows: readonly RequirementResult[],
  attestations: readonly Attestation[],
  device: DeviceKey,
  at: string,
): { rows: RequirementResult[]; used: Set<number> } {
  const used = new Set<number>();
  const out = rows.map((row): RequirementResult => {
    const matching = attestations.map((a, i) => ({ a, i })).filter(({ a }) => attests(a, row, device));
    for (const { i } of matching) used.add(i);
    const chosen = matching.find(({ a }) => !isExpired(a.expires, at)) ?? matching[0];
    if (!chosen) return row;
    const a = chosen.a;
    if (isExpired(a.expires, at)) return { ...row, attestation: record(a, 'expired') };
    if (row.observation === 'refuted') return { ...row, attestation: record(a, 'contradicted') };
    if (row.status !== 'not-assessed') return { ...row, attestation: record(a, 'superseded') };
    const decided: RequirementResult = { ...row, status: a.status, decidedBy: 'attested', attestation: record(a, 'applied') };
    if (a.status === 'not-applicable') decided.reason = a.statement;
    return decided;
  });
  return { rows: out, used };
}

function exceptionRecord(e: Exception, state: ExceptionRecord['state']): ExceptionRecord {
  return {
    state,
    countermeasure: e.countermeasure,
    justification: e.justification,
    approvedBy: e.approvedBy,
    approved: e.approved,
    expires: e.expires,
    ...(e.reference === undefined ? {} : { reference: e.reference }),
  };
}

/**
 * Moves gaps covered by an unexpired compensating countermeasure to `compensated`. SL-C is not
 * raised (the component still lacks the capability); an expired exception leaves its gap in
 * place, with the record attached so the lapse is visible.
 */
export function compensate(
  gaps: readonly Gap[],
  exceptions: readonly Exception[],
  device: DeviceKey,
  at: string,
): { gaps: Gap[]; compensated: Gap[]; used: Set<number> } {
  const used = new Set<number>();
  const open: Gap[] = [];
  const compensated: Gap[] = [];
  for (const gap of gaps) {
    const matching = exceptions.map((e, i) => ({ e, i })).filter(({ e }) => e.requirement === gap.requirement && namesDevice(e.devices, device));
    for (const { i } of matching) used.add(i);
    const active = matching.find(({ e }) => !isExpired(e.expires, at));
    const lapsed = matching[0];
    if (active) compensated.push({ ...gap, exception: exceptionRecord(active.e, 'active') });
    else if (lapsed) open.push({ ...gap, exception: exceptionRecord(lapsed.e, 'expired') });
    else open.push(gap);
  }
  return { gaps: open, compensated, used };
}
