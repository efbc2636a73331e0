import type { Role } from '../agent/config/config.ts';
import { judgeRun } from '../agent/judge/judge.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import type { Result } from '../report/result.ts';

export interface SampleRun {
  readonly runId: string;
  readonly zone?: string;
  readonly agentId?: string;
  readonly collectedAt?: string;
  readonly addresses?: readonly string[];
  /** The configured role of every device (default plc). */
  readonly role?: Role;
  /** The one open TCP service every device shows (default Modbus on 502). */
  readonly service?: { readonly port: number; readonly protocol: string };
}

/** A real result document, judged by the bundled profile from devices that show one open port (Modbus unless told). */
export function sampleResult(run: SampleRun): Result {
  const at = run.collectedAt ?? '2026-01-02T03:04:05.000Z';
  const addresses = run.addresses ?? ['127.82.0.10'];
  return judgeRun(
    {
      runId: run.runId,
      agent: { id: run.agentId ?? 'agent-a', version: '0.1.0' },
      collectedAt: at,
      finishedAt: at,
      zone: { name: run.zone ?? 'Line 1', slT: [2, 2, 2, 2, 2, 2, 2], cidrs: ['127.82.0.0/24'] },
      addressesPlanned: addresses.length,
      targets: Object.fromEntries(addresses.map((a) => [a, { role: run.role ?? 'plc' }])),
      observations: addresses.map((address) => ({
        address,
        services: [{ ...(run.service ?? { port: 502, protocol: 'modbus' }), transport: 'tcp' as const, confirmed: false }],
        outcomes: [],
      })),
    },
    loadJudge(),
  );
}
