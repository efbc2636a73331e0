import type { ProgressEvent } from './collect.ts';

/** Where progress goes (stderr); a fake one in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** Redraw one status line in place (a terminal); otherwise one plain line per event (pipes, CI, logs). */
  readonly live: boolean;
  readonly color: boolean;
}

/** A status line only makes sense on a terminal a person watches: not in CI logs, not on a dumb terminal. */
export function isLiveTerminal(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

const CLEAR = '\r\u001b[2K';
const MAX_WIDTH = 100;

/** Lines that stay: what a device showed, and when it is done. The rest is transient status. */
function lasting(e: ProgressEvent): string | undefined {
  if (e.type === 'discovered' && e.open.length > 0) return `${e.address}: open TCP ${e.open.join(', ')}`;
  if (e.type === 'device-done' && e.found) return `${e.address}: done`;
  if (e.type === 'boundary-check')
    return `zone-boundary check: ${e.paths} path(s) to ${e.addresses} address(es) in other zones, at most ${Math.ceil(e.worstCaseMs / 1000)} s`;
  return undefined;
}

export function progressReporter(stream: ProgressStream, opts: ProgressOptions): (e: ProgressEvent) => void {
  if (!opts.live) {
    return (e) => {
      const line = lasting(e) ?? (e.type === 'probe' ? `${e.address}: probing ${e.probe} on ${e.port}` : undefined);
      if (line) stream.write(`${line}\n`);
    };
  }
  // Devices run concurrently: the status line names what each active device is doing now.
  const active = new Map<string, string>();
  let checked = 0;
  let found = 0;
  return (e) => {
    if (e.type === 'device-start') active.set(e.address, 'connecting');
    else if (e.type === 'discovered') active.set(e.address, e.open.length > 0 ? 'discovered' : 'checking UDP');
    else if (e.type === 'probe') active.set(e.address, `probing ${e.probe}`);
    else if (e.type === 'device-done') {
      active.delete(e.address);
      checked++;
      if (e.found) found++;
    }
    const line = lasting(e);
    let out = CLEAR;
    if (line) out += `${line}\n`;
    if (active.size > 0) {
      const width = Math.min(MAX_WIDTH, (stream.columns ?? MAX_WIDTH) - 1);
      const doing = [...active].map(([address, what]) => `${address} ${what}`).join(' · ');
      let status = `[${checked} checked, ${found} found] ${doing}`;
      if (status.length > width) status = `${status.slice(0, width - 1)}…`;
      out += opts.color ? `\u001b[2m${status}\u001b[0m` : status;
    }
    stream.write(out);
  };
}
