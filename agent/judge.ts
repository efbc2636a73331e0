import type { DeviceObservation } from '../probes/observation.ts';
import { assessDevice, type Profile } from '../profiles/assess.ts';
import { DeviceView } from '../profiles/device-view.ts';
import { type IdentityExtractor, mergeIdentity } from '../profiles/identity.ts';
import type { SlVector } from '../profiles/model.ts';
import { COMPONENT_TYPE_OF_ROLE, decideRole } from '../profiles/role.ts';
import { score } from '../profiles/score.ts';
import { type DeviceResult, type Result, SCHEMA_VERSION } from '../report/result.ts';
import type { Role } from './config.ts';

export interface RunFacts {
  readonly runId: string;
  readonly agent: { readonly id: string; readonly version: string };
  readonly collectedAt: string;
  readonly finishedAt: string;
  readonly zone: { readonly name: string; readonly slT: SlVector; readonly cidrs: readonly string[] };
  readonly addressesPlanned: number;
  /** Per address: the configured role and name. */
  readonly targets: Readonly<Record<string, { readonly role: Role; readonly name?: string }>>;
  readonly observations: readonly DeviceObservation[];
}

export interface Judge {
  readonly profile: Profile;
  readonly identity: readonly IdentityExtractor[];
}

function judgeDevice(run: RunFacts, judge: Judge, observation: DeviceObservation): DeviceResult {
  const view = new DeviceView(observation, { at: run.collectedAt, zoneCidrs: run.zone.cidrs });
  const target = run.targets[observation.address];
  const role = decideRole(target?.role ?? 'auto', view);
  const componentType = COMPONENT_TYPE_OF_ROLE[role.role];
  const assessment = assessDevice(judge.profile, view, componentType);
  const scored = score(assessment.requirements, run.zone.slT);
  const device: DeviceResult = {
    address: observation.address,
    role: role.role,
    roleSource: { source: role.source, reason: role.reason },
    componentType,
    identity: mergeIdentity(judge.identity.flatMap((extract) => extract(view))),
    services: observation.services,
    probes: observation.outcomes.map((o) => ({
      id: o.probe,
      port: o.port,
      status: o.status,
      durationMs: o.durationMs,
      ...(o.status === 'unavailable' ? { failure: o.failure } : {}),
    })),
    checks: assessment.checks,
    requirements: assessment.requirements,
    slC: { demonstrated: [...scored.slC.demonstrated], ceiling: [...scored.slC.ceiling] },
    frs: [...scored.frs],
    gaps: [...scored.gaps],
    meetsTarget: scored.slC.demonstrated.every((level, i) => level >= (run.zone.slT[i] ?? 0)),
  };
  if (target?.name !== undefined) device.name = target.name;
  return device;
}

/** Turns a run's observations into the result document. Pure: the same run always gives the same bytes. */
export function judgeRun(run: RunFacts, judge: Judge): Result {
  const devices = run.observations.map((o) => judgeDevice(run, judge, o));
  const worst = Array.from({ length: 7 }, (_, i) => (devices.length === 0 ? 0 : Math.min(...devices.map((d) => d.slC.demonstrated[i] ?? 0))));
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    agent: { ...run.agent },
    collectedAt: run.collectedAt,
    finishedAt: run.finishedAt,
    zone: { name: run.zone.name, slT: [...run.zone.slT] },
    catalog: { name: judge.profile.catalog.name, version: judge.profile.catalog.version },
    devices,
    summary: {
      addressesPlanned: run.addressesPlanned,
      devicesFound: devices.length,
      devicesMeetingTarget: devices.filter((d) => d.meetsTarget).length,
      gaps: devices.reduce((n, d) => n + d.gaps.length, 0),
      worstDemonstrated: worst,
    },
  };
}
