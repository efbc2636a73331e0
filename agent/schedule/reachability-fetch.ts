import { ReachabilityView } from '../../profiles/zone-model.ts';
import { consoleRequest } from '../delivery/console-request.ts';
import { reasonOf, type UploadTarget } from '../delivery/upload.ts';

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
  const reply = await consoleRequest(target, { method: 'GET', path: reachabilityPath(zone), maxReplyBytes: MAX_VIEW_BYTES });
  const from = `the console's destinations for zone ${JSON.stringify(zone)}`;
  if ('failed' in reply) return `${from} could not be fetched: ${reply.failed}`;
  if (reply.status !== 200) return `${from} were refused: ${reasonOf(reply.status, reply.text)}`;
  if (reply.truncated) return `${from} were refused: reply larger than ${MAX_VIEW_BYTES} bytes`;
  let data: unknown;
  try {
    data = JSON.parse(reply.text);
  } catch {
    return `${from} were refused: the reply is not JSON`;
  }
  const view = ReachabilityView.safeParse(data);
  if (!view.success) {
    const issue = view.error.issues[0];
    return `${from} were refused: ${issue?.path.join('.') || 'reply'}: ${issue?.message}`;
  }
  if (view.data.zone !== zone) return `${from} were refused: the console answered for zone ${JSON.stringify(view.data.zone)}`;
  return view.data;
}
