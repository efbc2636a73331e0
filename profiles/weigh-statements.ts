import type { CheckResult, Gap, RequirementResult, SlVector } from './model.ts';
import { applyAttestations, compensate, type DeviceKey } from './apply-statements.ts';
import { type Score, score } from './score.ts';
import type { Statements } from './statements.ts';

/**
 * One device's requirement rows weighed with operator statements and scored: the one path from
 * observation to SL-C that `evaluate`, `scan` and the console all take, so the same rows and
 * statements give the same levels wherever they are judged.
 */
export interface Weighed {
  readonly requirements: RequirementResult[];
  readonly scored: Score;
  readonly gaps: Gap[];
  readonly compensated: Gap[];
  readonly meetsTarget: boolean;
  readonly usedAttestations: ReadonlySet<number>;
  readonly usedExceptions: ReadonlySet<number>;
}

export function weighStatements(
  rows: readonly RequirementResult[],
  checks: readonly CheckResult[],
  slT: SlVector,
  statements: Statements,
  device: DeviceKey,
  at: string,
): Weighed {
  const attested = applyAttestations(rows, statements.attestations, device, at);
  const scored = score(attested.rows, slT, checks);
  const compensated = compensate(scored.gaps, statements.exceptions, device, at);
  return {
    requirements: attested.rows,
    scored,
    gaps: compensated.gaps,
    compensated: compensated.compensated,
    meetsTarget: scored.slC.demonstrated.every((level, i) => level >= (slT[i] ?? 0)),
    usedAttestations: attested.used,
    usedExceptions: compensated.used,
  };
}

/**
 * The rows as observation and the catalog left them, before any attestation: what a stored result
 * is weighed again from. A row an attestation decided is open again; records of attestations
 * that did not decide (contradicted, superseded, expired) are dropped with it.
 */
export function withoutStatements(rows: readonly RequirementResult[]): RequirementResult[] {
  return rows.map((row) => {
    const { attestation: _attestation, reason, ...rest } = row;
    if (row.decidedBy === 'attested') return { ...rest, status: 'not-assessed', decidedBy: 'none' };
    return reason === undefined ? rest : { ...rest, reason };
  });
}

/** The fields of a judged device that weighing decides. */
export function scoredFields(w: Weighed) {
  return {
    requirements: w.requirements,
    slC: { demonstrated: [...w.scored.slC.demonstrated], ceiling: [...w.scored.slC.ceiling] },
    slCByType: w.scored.byType,
    frs: [...w.scored.frs],
    gaps: w.gaps,
    compensated: w.compensated,
    meetsTarget: w.meetsTarget,
  };
}

/** Statement lists as weighed; `positions` maps each entry to its place in the file it came from. */
export interface WeighedLists {
  readonly attestations?: { readonly entries: readonly { requirement: string }[]; readonly positions?: readonly number[] };
  readonly exceptions?: { readonly entries: readonly { requirement: string }[]; readonly positions?: readonly number[] };
}

export interface UnusedStatement {
  list: 'attestations' | 'exceptions';
  index: number;
  requirement: string;
  reason: string;
}

/** Entries that matched no requirement row (attestations) or no gap (exceptions) of any device. */
export function unusedStatements(lists: WeighedLists, weighed: readonly Pick<Weighed, 'usedAttestations' | 'usedExceptions'>[]): UnusedStatement[] {
  // `index` is the entry's position in the file, which skipped blank entries do not shift.
  const unused = (list: 'attestations' | 'exceptions', used: (w: (typeof weighed)[number]) => ReadonlySet<number>, reason: string) =>
    (lists[list]?.entries ?? []).flatMap((e, i) =>
      weighed.some((w) => used(w).has(i)) ? [] : [{ list, index: lists[list]?.positions?.[i] ?? i, requirement: e.requirement, reason }],
    );
  return [
    ...unused('attestations', (w) => w.usedAttestations, 'matches no requirement row of a device in this run'),
    ...unused('exceptions', (w) => w.usedExceptions, 'no device in this run has this gap'),
  ];
}
