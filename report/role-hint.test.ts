import { describe, expect, it } from 'vitest';
import { sampleResult } from '../test/sample-result.ts';
import { renderHtml } from './html.ts';
import { renderSummary } from './terminal.ts';

const webOnly = sampleResult({ runId: 'web-only', role: 'auto', addresses: ['127.82.0.10', '127.82.0.11'], service: { port: 80, protocol: 'http' } });
const configured = sampleResult({ runId: 'configured', role: 'hmi', service: { port: 80, protocol: 'http' } });
const NOT_SIGNED = { signature: { status: 'not-signed' as const } };

describe('a device whose role nothing tells', () => {
  it('is judged against the common rows only', () => {
    const d = webOnly.devices[0];
    expect(d).toMatchObject({ role: 'unknown', componentTypes: ['common'], roleSource: { source: 'inferred' } });
    expect(d?.requirements.every((r) => r.id.startsWith('CR ') && r.componentType === 'common')).toBe(true);
  });

  it('the terminal summary says to set the role in the config and names the devices', () => {
    const text = renderSummary(webOnly, { color: false, topGaps: 5 });
    expect(text).toContain('Role unknown for 2 device(s)');
    expect(text).toMatch(/Set `role` for them in the config \(plc, hmi, scada-server, network-device, host\):\n {2}127\.82\.0\.10, 127\.82\.0\.11\n/);
    expect(text.split('\n').every((line) => line.length <= 100)).toBe(true);
    expect(renderSummary(configured, { color: false, topGaps: 5 })).not.toContain('Role unknown');
  });

  it('report.html says so on the device', () => {
    const html = renderHtml(webOnly, NOT_SIGNED);
    expect(html).toContain(
      '<strong>nothing the device sent tells its role; judged against the rows common to every component type: set `role` for this target in the config</strong>',
    );
    expect(renderHtml(configured, NOT_SIGNED)).not.toContain('set `role` for this target');
  });
});
