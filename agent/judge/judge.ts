import type { DeviceObservation } from '../../probes/observation.ts';
import { assessDevice, type Profile } from '../../profiles/assess.ts';
import { DeviceView } from '../../profiles/device-view.ts';
import { type IdentityExtractor, mergeIdentity } from '../../profiles/identity.ts';
import type { SlVector } from '../../profiles/model.ts';
import type { ReachabilityFacts } from '../../profiles/zone-model.ts';
import { COMPONENT_TYPES_OF_ROLE, decideRole } from '../../profiles/role.ts';
import { actionPlan } from '../../profiles/plan.ts';
import { scoredFields, unusedStatements, weighStatements } from '../../profiles/weigh-statements.ts';
import { type DeviceResult, type Result, SCHEMA_VERSION } from '../../report/result.ts';
import { resultSummary } from '../../report/summary.ts';
import type { Role } from '../config/config.ts';
import type { LoadedStatements } from './statements.ts';
import { withVulnerabilities } from '../advisories/apply.ts';
import type { LoadedStore } from '../advisories/store.ts';
import { judgeBoundary } from './boundary.ts';

export interface RunFacts {
  readonly runId: string;
  readonly agent: { readonly id: string; readonly version: string };
  readonly collectedAt: string;
  readonly finishedAt: string;
  readonly zone: { readonly name: string; readonly slT: SlVector; readonly cidrs: readonly string[] };
  readonly addressesPlanned: number;
  /** Per address: the configured role and name, and the target's own SL-T where it overrides the zone's. */
  readonly targets: Readonly<Record<string, { readonly role: Role; readonly name?: string; readonly slT?: SlVector }>>;
  readonly observations: readonly DeviceObservation[];
  /** The zone-boundary check's paths (opt-in `reachability`); judged against the conduits it carries. */
  readonly reachability?: ReachabilityFacts | undefined;
}

export interface Judge {
  readonly profile: Profile;
  readonly identity: readonly IdentityExtractor[];
}

/** What an operator adds to a run's observations: attestations, exceptions, and the time expiry is judged at. */
export interface JudgeInputs {
  readonly statements?: LoadedStatements;
  /** ISO time for expiry; defaults to the run's collectedAt so re-evaluation stays reproducible. */
  readonly at?: string;
  /** Advisory store to match every device's identity against (known vulnerabilities; no effect on SL-C). */
  readonly advisories?: LoadedStore;
}

interface JudgedDevice {
  readonly device: DeviceResult;
  readonly usedAttestations: ReadonlySet<number>;
  readonly usedExceptions: ReadonlySet<number>;
}

function judgeDevice(run: RunFacts, judge: Judge, observation: DeviceObservation, statements: LoadedStatements, at: string): JudgedDevice {
  const view = new DeviceView(observation, { at: run.collectedAt, zoneCidrs: run.zone.cidrs });
  const target = run.targets[observation.address];
  const identity = mergeIdentity(judge.identity.flatMap((extract) => extract(view)));
  const role = decideRole(target?.role ?? 'auto', view, identity);
  const componentTypes = COMPONENT_TYPES_OF_ROLE[role.role];
  const assessment = assessDevice(judge.profile, view, componentTypes);
  const key = { address: observation.address, name: target?.name };
  const slT = target?.slT ?? run.zone.slT;
  const entries = { attestations: statements.attestations?.entries ?? [], exceptions: statements.exceptions?.entries ?? [] };
  const weighed = weighStatements(assessment.requirements, assessment.checks, slT, entries, key, at);
  const device: DeviceResult = {
    address: observation.address,
    role: role.role,
    roleSource: { source: role.source, reason: role.reason },
    componentType: componentTypes[0],
    componentTypes: [...componentTypes],
    identity,
    services: observation.services,
    probes: observation.outcomes.map((o) => ({
      id: o.probe,
      port: o.port,
      status: o.status,
      durationMs: o.durationMs,
      ...(o.status === 'unavailable' ? { failure: o.failure } : {}),
    })),
    checks: assessment.checks,
    slT: [...slT],
    ...scoredFields(weighed),
  };
  if (target?.name !== undefined) device.name = target.name;
  return { device, usedAttestations: weighed.usedAttestations, usedExceptions: weighed.usedExceptions };
}

/** Turns a run's observations into the result document. Pure: the same run and inputs always give the same bytes. */
export function judgeRun(run: RunFacts, judge: Judge, inputs: JudgeInputs = {}): Result {
  const statements = inputs.statements ?? {};
  const at = inputs.at ?? run.collectedAt;
  const judged = run.observations.map((o) => judgeDevice(run, judge, o, statements, at));
  const devices = judged.map((j) => j.device);
  const result: Result = {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    agent: { ...run.agent },
    collectedAt: run.collectedAt,
    finishedAt: run.finishedAt,
    zone: { name: run.zone.name, slT: [...run.zone.slT] },
    catalog: { name: judge.profile.catalog.name, version: judge.profile.catalog.version },
    devices,
    summary: resultSummary(devices, run.addressesPlanned),
  };
  if (statements.attestations || statements.exceptions) {
    const source = (l: { sha256: string; entries: readonly unknown[] }) => ({ sha256: l.sha256, entries: l.entries.length });
    result.statements = {
      at,
      ...(statements.attestations ? { attestations: source(statements.attestations) } : {}),
      ...(statements.exceptions ? { exceptions: source(statements.exceptions) } : {}),
      unused: unusedStatements(statements, judged),
    };
  }
  const withAdvisories = inputs.advisories ? withVulnerabilities(result, inputs.advisories) : result;
  return { ...withAdvisories, plan: actionPlan(withAdvisories.devices), ...judgeBoundary(run.zone.name, run.reachability, devices) };
}
