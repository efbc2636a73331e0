import type { Result } from './result.ts';
import { paint } from './terminal.ts';

/**
 * The known-vulnerabilities section of the terminal summary: per device, the advisories that
 * list it as affected or undecided, with CVE, CVSS, the fix, and how the match was made; a
 * device without findings gets its coverage reason. Empty when no advisory store was used.
 */
export function renderVulnerabilities(result: Result, opts: { color: boolean }): string {
  const a = result.advisories;
  if (!a) return '';
  const lines = [
    '',
    `${paint(opts.color, '1', 'Known vulnerabilities')}  (${a.advisories} advisories in ${a.store}${a.newestRelease ? `, newest ${a.newestRelease.slice(0, 10)}` : ''}; they do not change SL-C)`,
  ];
  for (const d of result.devices) {
    const findings = (d.vulnerabilities ?? []).filter((f) => f.status === 'affected' || f.status === 'possibly-affected' || f.status === 'under-investigation');
    const other = (d.vulnerabilities ?? []).length - findings.length;
    const label = `  ${d.address}${d.name ? ` (${d.name})` : ''}`;
    if (findings.length === 0) {
      const why =
        other > 0
          ? `${other} listed vulnerabilit${other === 1 ? 'y is' : 'ies are'} fixed or not affecting this firmware`
          : (d.vulnerabilityCoverage?.reason ?? 'not matched');
      lines.push(`${label}: none affecting - ${why}`);
      continue;
    }
    lines.push(`${label}: ${findings.length} finding(s)`);
    for (const f of findings) {
      const score = f.cvss ? ` CVSS ${f.cvss.baseScore}` : '';
      const mark = f.status === 'affected' ? paint(opts.color, '31', '✗ affected') : paint(opts.color, '33', `? ${f.status}`);
      lines.push(`    ${mark}  ${f.advisory.id}  ${f.cve ?? f.title ?? ''}${score}${f.fixedVersion ? `  fixed in ${f.fixedVersion}` : ''}`);
      lines.push(`      ${f.match.confidence} confidence: ${f.match.reason}`);
      const fix = f.remediations[0];
      if (fix) lines.push(`      ${fix.category}: ${fix.details.split('\n')[0]?.slice(0, 90)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
