import { describe, expect, it } from 'vitest';
import { craftedRuns } from '../test/crafted-runs.ts';
import { diffResults } from './diff.ts';
import { renderHtml } from './html.ts';
import type { Result } from './result.ts';

describe('HTML report (text checks; the browser test is test/reports.e2e.test.ts)', () => {
  const { older, newer } = craftedRuns();

  it('is self-contained: no script, no external reference, a CSP that forbids fetches', () => {
    const html = renderHtml(newer, { signature: { status: 'not-signed' } });
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`content="default-src 'none'`);
    expect(html).toContain('@media print');
  });

  it('escapes what devices send', () => {
    const device = newer.devices[0];
    if (!device) throw new Error('crafted run has no device');
    const evil = '<script>alert(1)</script>';
    const doc: Result = { ...newer, devices: [{ ...device, name: evil, identity: { ...device.identity, firmware: { value: evil, source: 'x"><b>' } } }] };
    const html = renderHtml(doc, { signature: { status: 'not-signed' } });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('x"><b>');
  });

  it('shows the signature state it is given, and drift when there is a previous run', () => {
    expect(renderHtml(newer, { signature: { status: 'not-signed' } })).toMatch(/id="signature"[^>]*>not signed/);
    const signed = renderHtml(newer, { signature: { status: 'signed', detail: 'result.signed.json' }, drift: diffResults(older, newer) });
    expect(signed).toMatch(/id="signature"[^>]*>signed: result.signed.json/);
    expect(signed).toContain('Security got worse');
    expect(signed).toContain('service opened: telnet tcp/23');
  });

  it('gives every failing check its observed, expected, evidence and remediation', () => {
    const html = renderHtml(newer, { signature: { status: 'not-signed' } });
    const failing = newer.devices.flatMap((d) => d.checks.filter((c) => c.status === 'fail'));
    expect(failing.length).toBeGreaterThan(0);
    expect(html.match(/class="finding"/g)).toHaveLength(failing.length);
    for (const c of failing) expect(html).toContain(c.remediation.replaceAll('"', '&quot;').replaceAll("'", '&#39;'));
  });
});
