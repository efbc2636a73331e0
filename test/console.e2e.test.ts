import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '../console/server.ts';
import { ConsoleStore } from '../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import { fileBrowser, watchedPage } from './setup/chromium.ts';
import { craftedRuns } from './crafted-runs.ts';
import { fleetResult, uploadResult } from './setup/console-fleet.ts';
import { storeKinds } from './setup/console-stores.ts';
import { TEST_RANGES, testAddress } from './addresses.ts';

/**
 * The console end to end in headless Chromium, on each store: agents upload signed results, a
 * person logs in, sees them, navigates zone -> device -> run -> report, and leaves screenshots.
 */
const kinds = storeKinds(testAddress('consoleE2e', 1), TEST_RANGES.consoleE2e.port);
// Kept after the run (under the system temp folder) so the screenshots can be looked at.
const shots = mkdtempSync(join(tmpdir(), 'cellcheck-console-shots-'));
const PASSWORD = 'browser test password';
const chromiumFile = fileBrowser(kinds);
const browserSkip = chromiumFile.skip;

function agent() {
  const pair = newSigningKeyPair();
  return { priv: parsePrivateKey(pair.privatePem, 'k'), pub: parsePublicKey(pair.publicPem, 'p') };
}

for (const [i, k] of kinds.entries()) {
  const skip = browserSkip ? `(skipped: ${browserSkip})` : k.skip;
  describe.skipIf(skip !== undefined)(`console in headless Chromium on ${k.kind} ${skip ?? ''}`, () => {
    let store: ConsoleStore;
    let svc: RunningConsole;
    const edge1 = agent();
    const edge2 = agent();
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      store = await ConsoleStore.open(await k.fresh('browser'));
      svc = await startConsole({ store, host: `127.87.3.${10 + i}`, port: 0 });
      tokens.edge1 = await store.enrollAgent('edge-1', edge1.pub, await keyId(edge1.pub), new Date(), { zones: ['Packaging line 1', 'Packaging line 3'] });
      tokens.edge2 = await store.enrollAgent('edge-2', edge2.pub, await keyId(edge2.pub), new Date(), { zones: ['Packaging line 2'] });
      await store.accounts.addUser('sec-eng', PASSWORD, 'engineer', 'cli', new Date());
      const line1 = (runId: string, day: number, telnetOnFirst: boolean) =>
        fleetResult({
          runId,
          zone: 'Packaging line 1',
          agentId: 'edge-1',
          collectedAt: `2026-03-0${day}T08:00:00.000Z`,
          addresses: ['127.87.3.101', '127.87.3.102'],
          telnetOnFirst,
        });
      for (const r of [line1('pl1-a', 1, false), line1('pl1-b', 2, true)])
        expect(await uploadResult(svc.url, tokens.edge1 ?? '', edge1.priv, r)).toMatchObject({ status: 201 });
    });
    afterAll(async () => {
      await svc?.close();
      await store?.close();
    });

    it('log in, see uploads appear, navigate zone -> device -> run -> report, without a console error', async () => {
      const browser = chromiumFile.browser();
      if (!browser) throw new Error('no browser');
      // A laptop's screen: nothing may need horizontal scrolling at 1366 x 768.
      const { context, page, errors, hosts } = await watchedPage(browser);
      const fitsWidth = async () => expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
      try {
        await page.goto(`${svc.url}/zones/Packaging%20line%201`);
        expect(page.url()).toContain('/login?next=');
        await page.fill('#name', 'sec-eng');
        await page.fill('#password', PASSWORD);
        await Promise.all([page.waitForURL('**/zones/Packaging%20line%201'), page.click('button[type=submit]')]);
        const cookie = (await context.cookies()).find((c) => c.name === 'cellcheck_session');
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

        await page.goto(`${svc.url}/`);
        expect(await page.locator('#zones tbody tr').count()).toBe(1);
        // A second agent uploads while the person watches: a reload shows its zone.
        const line2 = fleetResult({
          runId: 'pl2-a',
          zone: 'Packaging line 2',
          agentId: 'edge-2',
          collectedAt: '2026-03-02T09:00:00.000Z',
          addresses: ['127.87.3.111'],
        });
        expect(await uploadResult(svc.url, tokens.edge2 ?? '', edge2.priv, line2)).toMatchObject({ status: 201 });
        await page.reload();
        expect(await page.locator('#zones tbody tr').count()).toBe(2);
        expect(await page.locator('tr[data-zone="Packaging line 2"] td').nth(4).textContent()).toContain('edge-2');
        await fitsWidth();
        await page.screenshot({ path: join(shots, `${k.kind}-1-zones.png`), fullPage: true });

        await page.click('text=Packaging line 1');
        await page.waitForURL('**/zones/Packaging%20line%201');
        expect(await page.locator('#devices tbody tr').count()).toBe(2);
        // The page's script filters rows as one types (so the CSP lets our own script run).
        await page.fill('input[data-filter="devices"]', '.102');
        expect(await page.locator('#devices tbody tr:visible').count()).toBe(1);
        await page.fill('input[data-filter="devices"]', '');
        await fitsWidth();
        await page.screenshot({ path: join(shots, `${k.kind}-2-zone.png`), fullPage: true });

        await page.click('#devices >> text=127.87.3.101');
        await page.waitForURL('**/devices/127.87.3.101');
        expect(await page.locator('svg.chart g.fr').count()).toBe(7);
        expect(await page.locator('ol.drift').textContent()).toContain('service opened: telnet tcp/23');
        expect(await page.locator('#history tbody tr').count()).toBe(2);
        await page.screenshot({ path: join(shots, `${k.kind}-3-device.png`), fullPage: true });

        await page.click('#history >> text=pl1-a');
        await page.click('dd >> text=pl1-a');
        await page.waitForURL('**/runs/pl1-a');
        expect(await page.locator('#signature').textContent()).toMatch(/^verified \(EdDSA, key .+the signature verifies now too$/);
        await page.screenshot({ path: join(shots, `${k.kind}-4-run.png`), fullPage: true });

        await page.click('#report-link');
        await page.waitForURL('**/runs/pl1-a/report.html');
        expect(await page.locator('h1').textContent()).toBe('cellcheck report: Packaging line 1');
        expect(await page.locator('#signature').textContent()).toContain('verified by the console');
        await page.screenshot({ path: join(shots, `${k.kind}-5-report.png`) });

        // A zone whose latest run has failing checks: the FR grid and the plan side by side, still within the width.
        const { newer } = craftedRuns();
        const line3 = { ...newer, runId: 'pl3-a', zone: { ...newer.zone, name: 'Packaging line 3' }, agent: { ...newer.agent, id: 'edge-1' } };
        expect(await uploadResult(svc.url, tokens.edge1 ?? '', edge1.priv, line3)).toMatchObject({ status: 201 });
        await page.goto(`${svc.url}/zones/Packaging%20line%203`);
        expect(await page.locator('#plan li.step').count()).toBe(Math.min(10, newer.plan?.length ?? 0));
        expect(await page.locator('#devices td.lv.refuted').count()).toBeGreaterThan(0);
        const grid = await page.locator('#devices').boundingBox();
        const plan = await page.locator('#plan').boundingBox();
        expect(plan && grid && plan.x > grid.x + grid.width - 1).toBe(true);
        await fitsWidth();
        await page.screenshot({ path: join(shots, `${k.kind}-6-zone-plan.png`) });
        await page.goto(`${svc.url}/`);
        await fitsWidth();

        expect(errors).toEqual([]);
        expect([...hosts]).toEqual([new URL(svc.url).host]);
        console.log(`console screenshots (${k.kind}): ${shots}`);
      } finally {
        await context.close();
      }
    });
  });
}
