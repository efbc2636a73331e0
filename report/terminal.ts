import { DEVICE_ROLES } from '../profiles/role.ts';
import { deviceLabel, gapCauses, problemOf, rankedGaps } from './gaps.ts';
import { headlineText, resultHeadline } from './headline.ts';
import { wrap } from './text-wrap.ts';
import type { DeviceResult, Result } from './result.ts';
import { boundaryLines } from './boundary.ts';

export interface TerminalOptions {
  readonly color: boolean;
  /** Gap lines shown across the zone. */
  readonly topGaps: number;
  /** Actions of the plan shown (default 5). */
  readonly topActions?: number;
}

const ESC = '\u001b[';
/** `text` in an SGR colour or weight (`code`) when `on`, plain otherwise. */
export const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

/** `text` in a column of `width`, cut with an ellipsis when longer, always leaving one space before the next column. */
function pad(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 2)}… ` : text + ' '.repeat(width - text.length);
}

function frCell(device: DeviceResult, i: number, target: number, color: boolean): string {
  const d = device.slC.demonstrated[i] ?? 0;
  const c = device.slC.ceiling[i] ?? 0;
  const text = `${d}/${c}`.padEnd(5);
  if (d >= target) return paint(color, '32', text);
  if (c >= target) return paint(color, '33', text);
  return paint(color, '31', text);
}

function services(device: DeviceResult): string {
  return device.services.map((s) => `${s.protocol}${s.transport === 'udp' ? '/udp' : ''}:${s.port}`).join(' ') || '-';
}

/** The first steps of the plan, each with what it buys. */
function planLines(result: Result, top: number, color: boolean): string[] {
  const plan = result.plan ?? [];
  if (plan.length === 0) return [];
  const lines = [paint(color, '1', `What to fix first (${Math.min(top, plan.length)} of ${plan.length} changes; all in report.html and plan.csv)`)];
  for (const e of plan.slice(0, top)) {
    const buys = `[${e.effort.replace('-', ' ')}; closes ${e.closes.length} gap(s); raises ${e.frsRaised} FR ceiling(s)]`;
    lines.push(...wrap(`  ${String(e.rank).padStart(2)}. ${e.action} ${buys}`, 100, 6));
  }
  lines.push('');
  return lines;
}

function gapCause(device: DeviceResult, requirement: string): string {
  return gapCauses(device, requirement)
    .map((c) => `✗ ${problemOf(c)}`)
    .join('; ');
}

/** The summary a technician reads after a scan; fits 100 columns. */
export function renderSummary(result: Result, opts: TerminalOptions): string {
  const { color } = opts;
  const slT = result.zone.slT;
  const lines: string[] = [];
  const s = result.summary;
  lines.push(`${paint(color, '1', 'cellcheck')}  zone "${result.zone.name}"  SL-T ${slT.join(' ')}  run ${result.runId}`);
  lines.push(`${s.devicesFound} device(s) on ${s.addressesPlanned} address(es) · ${s.gaps} gap(s)`);
  const headline = resultHeadline(result);
  if (result.devices.length > 0) lines.push(...wrap(headlineText(headline), 100, 2));
  lines.push('');
  lines.push(...boundaryLines(result, (code, text) => paint(color, code, text)));
  if (result.devices.length === 0) {
    lines.push('No device answered on any address.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${pad('DEVICE', 30)}${pad('ROLE', 16)}${pad('SERVICES', 19)}SL-C demonstrated/ceiling`);
  lines.push(`${' '.repeat(65)}${[1, 2, 3, 4, 5, 6, 7].map((n) => `FR${n}`.padEnd(5)).join('')}`.trimEnd());
  for (const d of result.devices) {
    const frs = [0, 1, 2, 3, 4, 5, 6].map((i) => frCell(d, i, slT[i] ?? 0, color)).join('');
    lines.push(`${pad(deviceLabel(d), 30)}${pad(d.role, 16)}${pad(services(d), 19)}${frs}`.trimEnd());
  }
  const unknown = result.devices.filter((d) => d.role === 'unknown').map((d) => d.address);
  if (unknown.length > 0) {
    lines.push('');
    lines.push(paint(color, '33', `Role unknown for ${unknown.length} device(s): judged only against the rows every component type shares.`));
    lines.push(`Set \`role\` for them in the config (${DEVICE_ROLES.join(', ')}):`);
    for (let i = 0; i < unknown.length; i += 5) lines.push(`  ${unknown.slice(i, i + 5).join(', ')}`);
  }
  lines.push('');
  lines.push(...planLines(result, opts.topActions ?? 5, color));
  const gaps = rankedGaps(result);
  if (gaps.length === 0) {
    lines.push('No gap refuted by observation. Requirements a probe cannot see stay "not assessed" until attested.');
  } else {
    lines.push(paint(color, '1', `Top gaps (${Math.min(opts.topGaps, gaps.length)} of ${gaps.length})`));
    for (const { device: d, gap: g } of gaps.slice(0, opts.topGaps)) {
      const head = `  ${pad(deviceLabel(d), 26)}${pad(g.requirement, 14)}FR${g.fr} SL${g.sl}  `;
      lines.push(...wrap(`${head}${gapCause(d, g.requirement)}`, 100, 8));
    }
  }
  lines.push('');
  lines.push(`${headline.toAttest ?? 0} requirement(s) at or below the target are not assessed: a network probe cannot see them.`);
  lines.push('Colours: green meets SL-T, yellow only if not-assessed items hold, red refuted by observation.');
  return `${lines.join('\n')}\n`;
}
