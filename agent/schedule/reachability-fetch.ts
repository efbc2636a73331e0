import { ReachabilityView } from '../../profiles/zone-model.ts';
import { consoleZoneJson } from '../delivery/console-request.ts';
import type { Config } from '../config/config.ts';
import type { DeliveryOptions } from '../delivery/deliver.ts';
import type { UploadTarget } from '../delivery/upload.ts';

/** The console's answer holds at most MAX_REACHABILITY_PAIRS destinations: 2 MiB is ample, and a longer reply is refused. */
const MAX_VIEW_BYTES = 2 * 1024 * 1024;

export function reachabilityPath(zone: string): string {
  return `api/v1/zones/${encodeURIComponent(zone)}/reachability`;
}

/**
 * The zone's destinations, conduits and ranges from the console's approved model, for the
 * zone-boundary check (config `reachability.fromConsole`), with the agent's upload token. Never
 * throws: a reply that is not a valid view of this zone is a reason string, and the run then
 * tries nothing and says why.
 */
export async function fetchReachabilityView(target: UploadTarget, zone: string): Promise<ReachabilityView | string> {
  const from = `the console's destinations for zone ${JSON.stringify(zone)}`;
  const reply = await consoleZoneJson(target, { path: reachabilityPath(zone), zone, from, maxReplyBytes: MAX_VIEW_BYTES }, ReachabilityView);
  return typeof reply === 'string' ? reply : reply.json;
}

/**
 * Before a run (`scan` or `agent`): the console's view when the config asks for it
 * (`reachability.fromConsole`), or why there is none; undefined when the config does not ask.
 */
export async function reachabilityFromConsole(config: Config, delivery: DeliveryOptions): Promise<ReachabilityView | string | undefined> {
  if (!config.reachability?.fromConsole) return undefined;
  if (!delivery.upload) return 'reachability.fromConsole needs the console named in upload (url and token)';
  return fetchReachabilityView(delivery.upload.target, config.zone.name);
}
