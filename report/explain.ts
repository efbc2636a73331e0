import type { DeviceObservation } from '../probes/observation.ts';
import type { TranscriptEntry } from '../probes/transcript.ts';
import type { CatalogEntry } from '../profiles/catalog.ts';
import type { CheckResult, Gap, RequirementResult } from '../profiles/model.ts';
import type { DeviceResult } from './result.ts';

/** One piece of evidence behind a check: the probe outcome, its facts, and the recorded bytes. */
export interface ExplainedEvidence {
  readonly probe: string;
  readonly port: number;
  readonly status: 'ok' | 'unavailable' | 'missing';
  readonly facts?: unknown;
  readonly entries: readonly TranscriptEntry[];
}

export interface ExplainedCheck {
  readonly check: CheckResult;
  /** True for the checks whose verdict decided what observation says (failing ones when refuted, passing ones when consistent). */
  readonly decisive: boolean;
  readonly evidence: readonly ExplainedEvidence[];
}

/** A requirement of one device walked back to the bytes: rows per component type, checks, facts, transcript entries. */
export interface Explanation {
  readonly device: Pick<DeviceResult, 'address' | 'role' | 'componentTypes'> & { readonly name?: string };
  readonly requirement: Pick<CatalogEntry, 'id' | 'fr' | 'sl' | 'title' | 'assessment'> & { readonly disputed?: string };
  readonly rows: readonly RequirementResult[];
  readonly gap?: Gap;
  readonly checks: readonly ExplainedCheck[];
}

/**
 * Builds the walk from a judged device and what was recorded for it. Checks that are not in the
 * result were about a protocol the device does not speak; they are named with that reason.
 */
export function explainRequirement(
  device: DeviceResult,
  entry: CatalogEntry,
  observation: DeviceObservation,
  transcript: readonly TranscriptEntry[],
): Explanation {
  const rows = device.requirements.filter((r) => r.id === entry.id);
  const observed = rows[0]?.observation ?? 'none';
  const decisiveStatus = observed === 'refuted' ? 'fail' : observed === 'consistent' ? 'pass' : undefined;
  const checks = (rows[0]?.checks ?? []).map((id): ExplainedCheck => {
    const check: CheckResult = device.checks.find((c) => c.id === id) ?? {
      id,
      kind: '',
      title: id,
      status: 'not-applicable',
      requirements: [entry.id],
      evidence: [],
      reason: 'protocol not present on this device',
      remediation: '',
    };
    const evidence = check.evidence.map((e): ExplainedEvidence => {
      const outcome = observation.outcomes.find((o) => o.probe === e.probe && o.port === e.port);
      const [first, last] = e.transcript;
      return {
        probe: e.probe,
        port: e.port,
        status: outcome?.status ?? 'missing',
        ...(outcome?.status === 'ok' ? { facts: outcome.facts } : {}),
        entries: transcript.filter((t) => t.probe === e.probe && t.seq >= first && t.seq <= last),
      };
    });
    return { check, decisive: check.status === decisiveStatus, evidence };
  });
  const gap = [...device.gaps, ...device.compensated].find((g) => g.requirement === entry.id);
  return {
    device: { address: device.address, role: device.role, componentTypes: device.componentTypes, ...(device.name === undefined ? {} : { name: device.name }) },
    requirement: {
      id: entry.id,
      fr: entry.fr,
      sl: entry.sl,
      title: entry.title,
      assessment: entry.assessment,
      ...(entry.disputed === undefined ? {} : { disputed: entry.disputed }),
    },
    rows,
    ...(gap ? { gap } : {}),
    checks,
  };
}

const json = (v: unknown, max: number) => {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
};

function hexLines(hex: string, maxBytes: number, indent: string): string[] {
  const shown = maxBytes > 0 ? hex.slice(0, maxBytes * 2) : hex;
  const lines: string[] = [];
  for (let i = 0; i < shown.length; i += 64) lines.push(`${indent}${(shown.slice(i, i + 64).match(/../g) ?? []).join(' ')}`);
  if (shown.length < hex.length) lines.push(`${indent}… ${(hex.length - shown.length) / 2} more byte(s) kept (--bytes 0 shows all)`);
  return lines;
}

/** The walk as text: requirement, how it was decided, the checks, their facts and the bytes of the decisive ones. */
export function renderExplanation(x: Explanation, opts: { readonly bytesPerEntry: number }): string {
  const out: string[] = [];
  const r = x.requirement;
  out.push(`${r.id} · FR${r.fr} SL${r.sl} · ${r.title} · catalog: ${r.assessment}${r.disputed ? ` (disputed: ${r.disputed})` : ''}`);
  out.push(`device ${x.device.address}${x.device.name ? ` (${x.device.name})` : ''} · ${x.device.role} · ${x.device.componentTypes.join(' + ')}`);
  if (x.rows.length === 0) out.push("  does not apply to this device's component types");
  for (const row of x.rows) {
    out.push(
      `  ${row.componentType}: ${row.status} · decided by ${row.decidedBy} · observation ${row.observation}${row.reason ? ` · why: ${row.reason}` : ''}`,
    );
    const a = row.attestation;
    if (a)
      out.push(
        `    attestation (${a.state}): ${a.status} · "${a.statement}" · by ${a.by} on ${a.date} · evidence ${a.evidence}${a.expires ? ` · expires ${a.expires}` : ''}`,
      );
  }
  if (x.gap) {
    const e = x.gap.exception;
    out.push(
      `  gap: ${x.gap.levelsBelowTarget} level(s) below target · causes ${x.gap.causes.join(', ') || '-'}${e ? ` · exception (${e.state}): ${e.countermeasure} · approved by ${e.approvedBy} ${e.approved} · expires ${e.expires}` : ''}`,
    );
  }
  if (x.checks.length === 0) out.push('  no check is mapped: only an attestation can decide it');
  for (const c of x.checks) {
    const { check } = c;
    out.push(`  ${c.decisive ? '►' : ' '} check ${check.id}: ${check.status}${check.reason ? ` (${check.reason})` : ''} · ${check.title}`);
    if (check.observed !== undefined) out.push(`      observed ${json(check.observed, 300)}`);
    if (check.expected !== undefined) out.push(`      expected ${json(check.expected, 300)}`);
    for (const e of c.evidence) {
      out.push(`      evidence ${e.probe} on ${e.port}: ${e.status}${e.facts === undefined ? '' : ` · facts ${json(e.facts, 400)}`}`);
      if (!c.decisive) continue;
      for (const t of e.entries) {
        out.push(
          `        #${t.seq} ${t.dir} ${t.op}${t.len === undefined ? '' : ` ${t.len} byte(s)`}${t.truncated ? ' (cut when recorded)' : ''}${t.text ? ` "${t.text.slice(0, 120)}"` : ''}`,
        );
        if (t.hex) out.push(...hexLines(t.hex, opts.bytesPerEntry, '          '));
      }
    }
  }
  return `${out.join('\n')}\n`;
}
