import { describe, expect, it } from 'vitest';
import { judgeBoundary } from '../agent/judge/boundary.ts';
import type { ReachabilityFacts } from '../profiles/zone-model.ts';
import { sampleResult } from '../test/sample-result.ts';
import { BOUNDARY_NOTE } from './boundary.ts';
import { renderFindingsCsv } from './csv.ts';
import { diffResults, renderDrift } from './diff.ts';
import { renderHtml } from './html.ts';
import { Result } from './result.ts';
import { renderSummary } from './terminal.ts';

const facts: ReachabilityFacts = {
  source: 'console',
  ranges: ['10.1.0.0/24'],
  conduits: [
    { to: 'scada', ports: [4840], purpose: 'OPC UA to the historian', owner: 'OT team' },
    { to: 'vendor', ports: [22], purpose: 'remote <support>' },
  ],
  paths: [
    { host: '10.2.0.10', port: 4840, zone: 'scada', state: 'reachable' },
    { host: '10.2.0.10', port: 502, zone: 'scada<script>', state: 'reachable' },
    { host: '10.2.0.11', port: 3389, zone: 'scada', state: 'filtered' },
  ],
  unchecked: [{ host: '10.2.0.12', zone: 'scada', ports: [102], reason: 'on the deny list' }],
};

function withBoundary(paths = facts.paths, runId = 'r1'): Result {
  const base = sampleResult({ runId, zone: 'cell' });
  return Result.parse({ ...base, ...judgeBoundary('cell', { ...facts, paths }, base.devices) });
}

describe('zone boundary in the reports', () => {
  it('the terminal names each violation with the rows it shows on, each conduit with its use, and what was not tried', () => {
    const text = renderSummary(withBoundary(), { color: false, topGaps: 3 });
    const flat = text.replace(/\n {4}/g, ' ');
    expect(flat).toContain('Zone boundary (destinations from the console): 3 path(s) tried: 2 reachable, 0 refused, 1 filtered; 1 not tried');
    expect(flat).toContain(
      '  VIOLATION 10.2.0.10 TCP 502 (zone scada<script>): no conduit allows it; 62443-3-3 SR 5.1, 62443-3-3 SR 5.2, 62443-4-2 CR 5.1 of 10.2.0.10',
    );
    expect(flat).toContain(`  ${BOUNDARY_NOTE}`);
    expect(flat).toContain('  conduit to scada TCP 4840 (OPC UA to the historian, OT team): verified: a path it allows is open');
    expect(flat).toContain('  conduit to vendor TCP 22 (remote <support>): untested: no destination fell under it');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('report.html has the section, escapes what the console or config named, and links it from the contents', () => {
    const page = renderHtml(withBoundary(), { signature: { status: 'not-signed' } });
    expect(page).toContain('<a href="#boundary">Zone boundary</a>');
    expect(page).toContain('<section id="boundary">');
    expect(page).toContain('<td>cell → scada&lt;script&gt;</td><td>10.2.0.10</td><td>502</td>');
    expect(page).not.toContain('scada<script>');
    expect(page).toContain('remote &lt;support&gt;');
    expect(page).toContain('<li>10.2.0.12 TCP 102: on the deny list</li>');
  });

  it('a run without the check shows neither', () => {
    const plain = sampleResult({ runId: 'r2', zone: 'cell' });
    expect(renderSummary(plain, { color: false, topGaps: 3 })).not.toContain('Zone boundary');
    expect(renderHtml(plain, { signature: { status: 'not-signed' } })).not.toContain('id="boundary"');
  });

  it('drift: a path out of the zone that opened is a regression; one that closed is reported, not a regression', () => {
    const closed = withBoundary(
      facts.paths.map((p) => ({ ...p, state: 'refused' as const })),
      'r0',
    );
    const opened = diffResults(closed, withBoundary());
    expect(opened.boundary).toEqual({ opened: ['10.2.0.10 TCP 502'], closed: [] });
    expect(opened.regressions).toContainEqual({ address: '10.2.0.10', kind: 'boundary-violation', subject: '502' });
    expect(opened.worse).toBe(true);
    expect(renderDrift(opened)).toContain('  ! path out of the zone no conduit allows: 10.2.0.10 TCP 502');
    const healed = diffResults(withBoundary(), closed);
    expect(healed.boundary).toEqual({ opened: [], closed: ['10.2.0.10 TCP 502'] });
    expect(healed.regressions.filter((r) => r.kind === 'boundary-violation')).toEqual([]);
    expect(diffResults(sampleResult({ runId: 'a' }), sampleResult({ runId: 'b' })).boundary).toBeUndefined();
  });

  it('findings.csv has a row per path tried, failing where no conduit allows it', () => {
    const rows = renderFindingsCsv(withBoundary())
      .split('\r\n')
      .filter((r) => r.includes('zone.boundary'));
    expect(
      rows.map((r) =>
        r
          .split(',')
          .slice(1, 2)
          .concat(r.includes(',fail,') ? 'fail' : 'pass'),
      ),
    ).toEqual([
      ['10.2.0.10', 'pass'],
      ['10.2.0.10', 'fail'],
      ['10.2.0.11', 'pass'],
    ]);
    expect(rows[1]).toContain('62443-3-3 SR 5.1; 62443-3-3 SR 5.2; 62443-4-2 CR 5.1 of 10.2.0.10');
  });
});
