import { createHash } from 'node:crypto';
import net from 'node:net';
import { z } from 'zod';
import { SIGNING_ALG, type VerifyFailure, verifySignedResult } from '../report/sign.ts';
import type { ConsoleStore, StoredRun } from './store.ts';

/** What a route answers: a status and a JSON body. Errors are `{error, reason}`. */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export function apiError(status: number, error: string, reason: string): ApiReply {
  return { status, body: { error, reason } };
}

/** Each refusal of the verifier as an HTTP status: 4xx that resending cannot fix, except an unknown key (fixed by enrolment). */
const VERIFY_STATUS: Record<VerifyFailure, number> = {
  malformed: 400,
  algorithm: 400,
  'malformed-document': 400,
  'unknown-key': 403,
  'bad-signature': 422,
  'header-mismatch': 422,
};

function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '');
  return m?.[1];
}

/** The enrolled agent a bearer token belongs to, or the 401 reply; read from the headers alone, before any body. */
export async function authenticateAgent(store: ConsoleStore, authorization: string | undefined): Promise<string | ApiReply> {
  const token = bearer(authorization);
  const agentId = token === undefined ? undefined : await store.agentOfToken(token);
  return agentId ?? apiError(401, 'unknown-agent', 'missing bearer token, or a token of no enrolled agent');
}

/**
 * POST /api/v1/results, for an authenticated agent. A result is stored once per run id: an
 * identical re-send is acknowledged again (200), other content under a stored run id is a replay
 * (409). The agent must be bound to the result's zone, and the result may not claim a collection
 * time further ahead of the console's clock than `maxSkewMs` (it would stay a zone's latest run).
 */
export async function postResult(store: ConsoleStore, agentId: string, body: string, now: Date, maxSkewMs: number): Promise<ApiReply> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return apiError(400, 'malformed', 'the body is not JSON');
  }
  const v = await verifySignedResult(json, await store.agentKeys(agentId));
  if (!v.ok) return apiError(VERIFY_STATUS[v.failure], v.failure, v.failure === 'unknown-key' ? `${v.reason}: not enrolled for agent ${agentId}` : v.reason);
  if (v.result.agent.id !== agentId) return apiError(403, 'agent-mismatch', `the token is agent ${agentId}'s, the result is agent ${v.result.agent.id}'s`);
  const zones = await store.agentZones(agentId);
  if (!zones.includes('*') && !zones.includes(v.result.zone.name))
    return apiError(
      403,
      'zone-not-allowed',
      `agent ${agentId} may post results of ${zones.length ? `zone(s) ${zones.map((z) => JSON.stringify(z)).join(', ')}` : 'no zone'}, not of zone ${JSON.stringify(v.result.zone.name)} (an admin binds it: cellcheck console enroll --agent ${agentId} --key PUB --zone ZONE)`,
    );
  const aheadMs = Date.parse(v.result.collectedAt) - now.getTime();
  if (aheadMs > maxSkewMs)
    return apiError(
      422,
      'clock-skew',
      `collectedAt ${v.result.collectedAt} is ${Math.round(aheadMs / 60_000)} minute(s) ahead of the console's clock (at most ${Math.round(maxSkewMs / 60_000)} accepted): check the agent's clock`,
    );
  const payloadSha256 = createHash('sha256').update(v.payload).digest('hex');
  const known = await alreadyStored(store, v.result.runId, agentId, payloadSha256);
  if (known) return known;
  const receivedAt = now.toISOString();
  const run: StoredRun = {
    runId: v.result.runId,
    agentId,
    kid: v.header.kid,
    zone: v.result.zone.name,
    collectedAt: v.result.collectedAt,
    receivedAt,
    payloadSha256,
    devices: v.result.devices.map((d) => d.address),
    gaps: v.result.summary.gaps,
    verification: { status: 'verified', alg: SIGNING_ALG, kid: v.header.kid, verifiedAt: receivedAt },
  };
  // Another request (or console instance) may have stored the same run id since the check above.
  if ((await store.insertRun(run, JSON.stringify(json), v.result)) === 'exists')
    return (await alreadyStored(store, run.runId, agentId, payloadSha256)) ?? apiError(500, 'internal', `run ${run.runId} vanished while being stored`);
  return { status: 201, body: { status: 'stored', runId: run.runId, receivedAt } };
}

/** The answer for a run id that is already stored: the same content is a duplicate (200), other content a replay (409). */
async function alreadyStored(store: ConsoleStore, runId: string, agentId: string, payloadSha256: string): Promise<ApiReply | undefined> {
  const stored = await store.run(runId);
  if (!stored) return undefined;
  if (stored.agentId === agentId && stored.payloadSha256 === payloadSha256)
    return { status: 200, body: { status: 'duplicate', runId: stored.runId, receivedAt: stored.receivedAt } };
  return apiError(409, 'replay', `run ${runId} is already stored with other content; a run id is accepted once`);
}

const ListQuery = z.strictObject({
  zone: z.string().min(1).optional(),
  device: z
    .string()
    .refine((a) => net.isIP(a) !== 0, 'not an IP address')
    .optional(),
  since: z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export async function reader(store: ConsoleStore, authorization: string | undefined): Promise<ApiReply | undefined> {
  const token = bearer(authorization);
  if (token === undefined || !(await store.isReader(token)))
    return apiError(401, 'unauthorized', 'missing bearer token, or not a reader token (cellcheck console enroll --reader NAME)');
  return undefined;
}

/** Refuses (401/403) unless the token is an agent's bound to the zone (or to every zone) or a reader's. */
export async function zoneReader(store: ConsoleStore, authorization: string | undefined, zone: string): Promise<ApiReply | undefined> {
  const agent = await authenticateAgent(store, authorization);
  if (typeof agent === 'string') {
    const zones = await store.agentZones(agent);
    if (!zones.includes('*') && !zones.includes(zone)) return apiError(403, 'zone-not-allowed', `agent ${agent} is not bound to zone ${JSON.stringify(zone)}`);
    return undefined;
  }
  if (await reader(store, authorization)) return apiError(401, 'unauthorized', 'missing bearer token, or a token of no enrolled agent or reader');
  return undefined;
}

/** GET /api/v1/results?zone=&device=&since=&limit= */
export async function listResults(store: ConsoleStore, authorization: string | undefined, query: URLSearchParams): Promise<ApiReply> {
  const denied = await reader(store, authorization);
  if (denied) return denied;
  const params: Record<string, string> = {};
  for (const [k, v] of query) {
    if (k in params) return apiError(400, 'bad-query', `${k}: given twice`);
    params[k] = v;
  }
  const q = ListQuery.safeParse(params);
  if (!q.success) {
    const issue = q.error.issues[0];
    return apiError(
      400,
      'bad-query',
      issue?.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : `${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  const filter = {
    limit: q.data.limit,
    ...(q.data.zone ? { zone: q.data.zone } : {}),
    ...(q.data.device ? { device: q.data.device } : {}),
    ...(q.data.since ? { since: q.data.since } : {}),
  };
  return { status: 200, body: { results: await store.listRuns(filter) } };
}

/** GET /api/v1/results/{runId}: the stored signed document and how it was verified. */
export async function getResult(store: ConsoleStore, authorization: string | undefined, runId: string): Promise<ApiReply> {
  const denied = await reader(store, authorization);
  if (denied) return denied;
  const run = await store.run(runId);
  if (!run) return apiError(404, 'not-found', `no stored run ${runId}`);
  const { envelope, ...meta } = run;
  return { status: 200, body: { ...meta, signed: JSON.parse(envelope) as unknown } };
}
