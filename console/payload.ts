import type { Result } from '../report/result.ts';

/**
 * The result document inside a stored envelope. Only verified, schema-valid documents are ever
 * stored (api.ts checks them at ingest), so reading one back needs no second validation.
 */
export function resultOfEnvelope(envelope: string): Result {
  const { payload } = JSON.parse(envelope) as { payload: string };
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Result;
}

/** Times are stored in one ISO form so that text order is time order. */
export function isoTime(text: string): string {
  return new Date(text).toISOString();
}

/** Per-run columns the fleet pages read. */
export interface RunColumns {
  readonly finishedAt: string;
  readonly zoneSlT: string;
  readonly deviceCount: number;
  readonly devicesMeeting: number;
}

/** Per-device columns: SL vectors as JSON text, so one schema serves both databases. */
export interface DeviceColumns {
  readonly address: string;
  readonly zone: string;
  readonly collectedAt: string;
  readonly name: string | null;
  readonly role: string;
  readonly meetsTarget: number;
  readonly gaps: number;
  readonly slT: string;
  readonly demonstrated: string;
  readonly ceiling: string;
}

export function runColumns(result: Result): RunColumns {
  return {
    finishedAt: isoTime(result.finishedAt),
    zoneSlT: JSON.stringify(result.zone.slT),
    deviceCount: result.devices.length,
    devicesMeeting: result.summary.devicesMeetingTarget,
  };
}

export function deviceColumns(result: Result): DeviceColumns[] {
  return result.devices.map((d) => ({
    address: d.address,
    zone: result.zone.name,
    collectedAt: isoTime(result.collectedAt),
    name: d.name ?? null,
    role: d.role,
    meetsTarget: d.meetsTarget ? 1 : 0,
    gaps: d.gaps.length,
    slT: JSON.stringify(d.slT),
    demonstrated: JSON.stringify(d.slC.demonstrated),
    ceiling: JSON.stringify(d.slC.ceiling),
  }));
}
