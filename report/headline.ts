import type { Result } from './result.ts';

/**
 * Where a zone stands when demonstrated levels are still 0 because nothing is attested yet: which
 * devices observation already refutes (they cannot reach SL-T until something is fixed), which
 * could reach it once the not-assessed items are attested, and how many items wait for that.
 */
export type Standing = 'meets' | 'could-meet' | 'refuted';

interface Levels {
  readonly slT: readonly number[];
  readonly demonstrated: readonly number[];
  readonly ceiling: readonly number[];
}

export function standing(d: Levels): Standing {
  if (d.slT.every((t, i) => (d.demonstrated[i] ?? 0) >= t)) return 'meets';
  return d.slT.every((t, i) => (d.ceiling[i] ?? 0) >= t) ? 'could-meet' : 'refuted';
}

export interface Headline {
  readonly devices: number;
  readonly meets: number;
  readonly couldMeet: number;
  readonly refuted: number;
  /** Requirement rows at or below the target that wait for an attestation, summed over devices (absent when unknown). */
  readonly toAttest?: number;
}

/** Counts the devices by standing, each device's standing decided once. */
export function headlineOf(devices: readonly Levels[], toAttest?: number): Headline {
  const count: Record<Standing, number> = { meets: 0, 'could-meet': 0, refuted: 0 };
  for (const d of devices) count[standing(d)] += 1;
  return {
    devices: devices.length,
    meets: count.meets,
    couldMeet: count['could-meet'],
    refuted: count.refuted,
    ...(toAttest === undefined ? {} : { toAttest }),
  };
}

/** One line: "0 of 11 meet SL-T · 6 refuted by observation (cannot reach it until fixed) · 5 could once attested · 312 items wait for attestation". */
export function headlineText(h: Headline): string {
  return [
    `${h.meets} of ${h.devices} meet SL-T`,
    `${h.refuted} refuted by observation (cannot reach it until fixed)`,
    `${h.couldMeet} could once not-assessed items are attested`,
    ...(h.toAttest === undefined ? [] : [`${h.toAttest} item(s) wait for attestation`]),
  ].join(' · ');
}

/** Requirement rows at or below the target that wait for attestation, summed over a judged run's devices. */
export function toAttestOf(result: Result): number {
  return result.devices.reduce((n, d) => n + d.frs.reduce((m, f) => m + f.toAssess.length, 0), 0);
}

/** The headline of a judged run. */
export function resultHeadline(result: Result): Headline {
  return headlineOf(
    result.devices.map((d) => ({ slT: d.slT, demonstrated: d.slC.demonstrated, ceiling: d.slC.ceiling })),
    toAttestOf(result),
  );
}
