import { destinationsFor, MAX_REACHABILITY_PAIRS, type ReachabilityView } from '../profiles/zone-model.ts';
import { type ApiReply, apiError, zoneReader } from './api.ts';
import { StoreError } from './db.ts';
import { latestServices } from './run-boundary.ts';
import type { ConsoleStore } from './store.ts';
import { modelInForce } from './zone-model-store.ts';

/**
 * What the console gives an agent for its zone's reachability check (issue 21): the zone's ranges
 * and conduits from the approved model, and the destinations: the devices other zones' latest runs
 * found, on their TCP service ports, and the plant's canaries, placed in a zone by the model's
 * ranges; never an address of the asking zone's own runs or ranges. At most
 * MAX_REACHABILITY_PAIRS address × port pairs; `cut` counts the pairs left out. Undefined when the
 * approved model has no such zone.
 */
export async function reachabilityFor(store: ConsoleStore, zone: string): Promise<{ view: ReachabilityView; cut: number } | undefined> {
  const current = await modelInForce(store);
  if (!current?.model.zones.some((z) => z.name === zone)) return undefined;
  const others = (await latestServices(store.db)).filter((b) => b.zone !== zone);
  return destinationsFor(
    current.model,
    zone,
    others.flatMap((b) => b.services),
  );
}

/**
 * GET /api/v1/zones/{zone}/reachability, for an agent bound to the zone (or to every zone) or a
 * reader. The body is the ReachabilityView the agent validates; the pairs cut by the bound are in
 * the `cellcheck-pairs-cut` header. 404 when the approved model lacks the zone: without its
 * conduits no path can be judged.
 */
export async function getReachability(store: ConsoleStore, authorization: string | undefined, zone: string): Promise<ApiReply> {
  const denied = await zoneReader(store, authorization, zone);
  if (denied) return denied;
  let answer: Awaited<ReturnType<typeof reachabilityFor>>;
  try {
    answer = await reachabilityFor(store, zone);
  } catch (err) {
    if (err instanceof StoreError) return apiError(500, 'zone-model-unreadable', err.message);
    throw err;
  }
  if (!answer) return apiError(404, 'zone-not-modelled', `zone ${JSON.stringify(zone)} is not in the console's approved zone model`);
  return {
    status: 200,
    body: answer.view,
    headers: { 'cellcheck-pairs-cut': String(answer.cut), 'cellcheck-pairs-limit': String(MAX_REACHABILITY_PAIRS) },
  };
}
