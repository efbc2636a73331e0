import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { REPORT_FILES } from '../agent/run-dir/run-reports.ts';
import { runScan, type ScanOutcome } from '../agent/scan/run-scan.ts';
import { type RunningCell, startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';
import { Drift } from '../report/diff.ts';
import { cycloneDx16Validator } from './cyclonedx-schema.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './setup/chromium.ts';

const PREFIX = '127.83.1';

// Kept after the run (under the system temp folder) so the screenshot can be looked at.
const out = mkdtempSync(join(tmpdir(), 'cellcheck-reports-'));
let cell: RunningCell;
let first: ScanOutcome;
let second: ScanOutcome;

const scan = async (runId: string) => runScan({ config: parseConfig(parse(cell.config), 'cell.yaml'), outDir: out, probes: PROBES, judge: loadJudge(), runId });
const hostOf = (name: string) => cell.devices.find((d) => d.device.name === name)?.host ?? '';

beforeAll(async () => {
  cell = await startCell({ prefix: PREFIX });
  first = await scan('first');
  // Between the two runs the weak HMI's Telnet service goes away: the second run must see it as drift.
  const hmi = cell.devices.find((d) => d.device.name === 'hmi-weak');
  const telnet = hmi?.fixtures[hmi.device.services.indexOf('telnet')];
  await telnet?.close();
  second = await scan('second');
}, 120_000);

afterAll(async () => {
  await cell?.close();
});

describe('reports written by every scan', () => {
  it('writes the HTML report, the inventory and the findings beside result.json; drift from the second run on', () => {
    for (const file of [REPORT_FILES.html, REPORT_FILES.inventory, REPORT_FILES.findings]) {
      expect(statSync(join(first.runDir, file)).size).toBe(first.reports.files[file]);
      expect(statSync(join(second.runDir, file)).size).toBe(second.reports.files[file]);
    }
    expect(existsSync(join(first.runDir, REPORT_FILES.drift))).toBe(false);
    const sizes = Object.entries(second.reports.files).map(([f, n]) => `${f} ${n} B`);
    console.log(`report files of ${second.runDir}: ${sizes.join(', ')}`);
  });

  it('diffs against the previous run in the same folder: Telnet closed on the weak HMI', () => {
    const drift = Drift.parse(JSON.parse(readFileSync(join(second.runDir, REPORT_FILES.drift), 'utf8')));
    expect(drift.old.runId).toBe('first');
    expect(drift.new.runId).toBe('second');
    const hmi = drift.changed.find((d) => d.address === hostOf('hmi-weak'));
    expect(hmi?.servicesClosed).toEqual(['telnet tcp/23']);
    expect(hmi?.checks).toContainEqual(expect.objectContaining({ id: 'telnet.absent', old: 'fail', new: 'absent' }));
    expect(drift.regressions.filter((r) => r.address === hostOf('hmi-weak'))).toEqual([]);
  });

  it('exports a CycloneDX 1.6 inventory of every device that the official schema accepts', () => {
    const bom = JSON.parse(readFileSync(join(second.runDir, REPORT_FILES.inventory), 'utf8'));
    expect(cycloneDx16Validator()(bom)).toEqual([]);
    expect(bom.components).toHaveLength(second.result.devices.length);
    expect(bom.components.every((c: { type: string }) => c.type === 'device')).toBe(true);
    const plc = bom.components.find((c: { properties: { name: string; value: string }[] }) => c.properties.some((p) => p.value === hostOf('plc-weak')));
    expect(plc.components?.[0]).toMatchObject({ type: 'firmware' });
    expect(plc.components[0].version).toMatch(/\d/);
  });

  it('writes findings.csv that reads back into one row per device x check', () => {
    const rows = parseCsv(readFileSync(join(second.runDir, REPORT_FILES.findings), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const checks = second.result.devices.flatMap((d) => d.checks.map((c) => `${d.address} ${c.id} ${c.status}`));
    expect(rows.map((r) => `${r.address} ${r.check_id} ${r.status}`)).toEqual(checks);
  });
});

const browserSkip = chromiumMissing();

describe.skipIf(browserSkip !== false)(`HTML report in headless Chromium${browserSkip ? ` (skipped: ${browserSkip})` : ''}`, () => {
  it('loads offline with no console error, shows the key elements, prints, and leaves a screenshot', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const file = join(second.runDir, REPORT_FILES.html);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      const result = second.result;
      expect(await page.locator('h1').textContent()).toContain(result.zone.name);
      expect(await page.locator('#signature').textContent()).toBe('not signed');
      expect(await page.locator('#gaps table.ranked tr').count()).toBe(result.summary.gaps + 1);
      expect(await page.locator('article.device').count()).toBe(result.devices.length);
      expect(await page.locator('article.device svg.chart g.fr').count()).toBe(7 * result.devices.length);
      const failing = result.devices.reduce((n, d) => n + d.checks.filter((c) => c.status === 'fail').length, 0);
      expect(await page.locator('.finding').count()).toBe(failing);
      expect(await page.locator('.finding .remedy').count()).toBe(failing);
      expect(await page.locator('#drift').textContent()).toContain('service closed: telnet tcp/23');
      const weak = page.locator(`article.device[data-address="${hostOf('opcua-weak')}"]`);
      expect(await weak.locator('table.not-assessed tr').count()).toBeGreaterThan(1);
      // Failing checks stay open; the long lists of passing and not-assessed items start folded.
      expect(await weak.locator('.finding').first().isVisible()).toBe(true);
      expect(await weak.locator('table.not-assessed').isVisible()).toBe(false);
      expect(await weak.locator('details.other-checks table').isVisible()).toBe(false);
      expect(await weak.locator('table.identity').count()).toBe(1);
      // The SVG bars stand for the device's scores.
      const fr1 = weak.locator('svg.chart g.fr[data-fr="1"]');
      const device = result.devices.find((d) => d.address === hostOf('opcua-weak'));
      expect(await fr1.getAttribute('data-ceiling')).toBe(String(device?.slC.ceiling[0]));

      const screenshot = join(second.runDir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: false });
      console.log(`HTML report screenshot: ${screenshot}`);

      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('nav').count()).toBe(2);
      expect(await page.locator('nav:visible').count()).toBe(0);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 4).toString()).toBe('%PDF');

      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
