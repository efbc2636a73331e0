import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '../console/server.ts';
import { ConsoleStore } from '../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import type { Result } from '../report/result.ts';
import { TEST_RANGES, testAddress } from './addresses.ts';
import { fileBrowser, watchedPage } from './setup/chromium.ts';
import { fleetResult, uploadResult } from './setup/console-fleet.ts';
import { storeKinds } from './setup/console-stores.ts';

/**
 * The gap analysis in headless Chromium, on each store: an engineer answers what observation left
 * open in one FR, an admin approves, and the zone page shows demonstrated SL-C risen, with the
 * answers named. Screenshots are kept under the system temp folder.
 */
const kinds = storeKinds(testAddress('assessmentE2e', 1), TEST_RANGES.assessmentE2e.port);
const shots = mkdtempSync(join(tmpdir(), 'cellcheck-assessment-shots-'));
const PASSWORD = 'browser test password';
/** The assessment page, with or without the anchor a proposal returns to. */
const ASSESSMENT = /\/assessment(#\w+)?$/;
const chromiumFile = fileBrowser(kinds);
const browserSkip = chromiumFile.skip;

async function login(page: Page, url: string, name: string) {
  await page.goto(`${url}/login`);
  await page.fill('#name', name);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
}

for (const [i, k] of kinds.entries()) {
  const skip = browserSkip ? `(skipped: ${browserSkip})` : k.skip;
  describe.skipIf(skip !== undefined)(`gap analysis in headless Chromium on ${k.kind} ${skip ?? ''}`, () => {
    let store: ConsoleStore;
    let svc: RunningConsole;
    let signed: Result;

    beforeAll(async () => {
      store = await ConsoleStore.open(await k.fresh('assessment'));
      svc = await startConsole({ store, host: testAddress('assessmentE2e', 10 + i), port: 0 });
      const pair = newSigningKeyPair();
      const pub = parsePublicKey(pair.publicPem, 'p');
      const token = await store.enrollAgent('edge-1', pub, await keyId(pub), new Date(), { zones: ['Cell A'] });
      for (const [name, role] of [
        ['eric', 'engineer'],
        ['ada', 'admin'],
      ] as const)
        await store.accounts.addUser(name, PASSWORD, role, 'cli', new Date());
      signed = fleetResult({
        runId: 'cell-a-1',
        zone: 'Cell A',
        agentId: 'edge-1',
        collectedAt: new Date().toISOString(),
        addresses: [testAddress('assessmentE2e', 100)],
      });
      expect(await uploadResult(svc.url, token, parsePrivateKey(pair.privatePem, 'k'), signed)).toMatchObject({ status: 201 });
    });
    afterAll(async () => {
      await svc?.close();
      await store?.close();
    });

    it('propose -> approve -> demonstrated rises on the zone page, without a console error', async () => {
      const browser = chromiumFile.browser();
      if (!browser) throw new Error('no browser');
      const device = signed.devices[0];
      if (!device) throw new Error('no device');
      const fr = [1, 2, 3, 4, 5, 6, 7].find((f) => device.slC.demonstrated[f - 1] === 0 && (device.slC.ceiling[f - 1] ?? 0) >= 1) ?? 0;
      expect(fr).toBeGreaterThan(0);
      const open = [...new Set(device.requirements.filter((r) => r.fr === fr && r.sl === 1 && r.status === 'not-assessed').map((r) => r.id))];
      const zoneUrl = `${svc.url}/zones/Cell%20A`;
      const frCell = `#devices td.lv[title^="FR${fr}:"]`;

      const engineer = await watchedPage(browser);
      try {
        await login(engineer.page, svc.url, 'eric');
        await engineer.page.goto(zoneUrl);
        expect(await engineer.page.locator(frCell).getAttribute('title')).toMatch(/demonstrated 0,/);
        await Promise.all([engineer.page.waitForURL(ASSESSMENT), engineer.page.click('a[href$="/assessment"]')]);
        expect(await engineer.page.locator('#open tbody tr').count()).toBeGreaterThanOrEqual(open.length);
        for (const requirement of open) {
          await engineer.page.goto(`${zoneUrl}/assessment/answer?requirement=${encodeURIComponent(requirement)}`);
          await engineer.page.fill('textarea[name=statement]', `${requirement}: covered by the plant procedure OT-7`);
          await engineer.page.fill('input[name=evidence]', 'OT-PROC-07 rev 3');
          await Promise.all([engineer.page.waitForURL(ASSESSMENT), engineer.page.click('#answer-form button[type=submit]')]);
        }
        expect(await engineer.page.locator('#pending tbody tr').count()).toBe(open.length);
        expect(await engineer.page.locator('#pending form[action$="/approve"]').count()).toBe(0);
        await engineer.page.screenshot({ path: join(shots, `${k.kind}-proposed.png`), fullPage: true });
        expect(engineer.errors).toEqual([]);
      } finally {
        await engineer.context.close();
      }

      const admin = await watchedPage(browser);
      try {
        await login(admin.page, svc.url, 'ada');
        await admin.page.goto(`${zoneUrl}/assessment`);
        for (let n = 0; n < open.length; n++)
          await Promise.all([admin.page.waitForURL(ASSESSMENT), admin.page.locator('#pending form[action$="/approve"] button').first().click()]);
        expect(await admin.page.locator('#approved tbody tr').count()).toBe(open.length);
        expect(await admin.page.locator('#with-answers').textContent()).toBe(`with ${open.length} approved answer(s)`);
        await admin.page.screenshot({ path: join(shots, `${k.kind}-assessment.png`), fullPage: true });
        await admin.page.goto(zoneUrl);
        expect(await admin.page.locator(frCell).getAttribute('title')).toMatch(/demonstrated 1,/);
        expect(await admin.page.locator('#with-answers').textContent()).toBe(`with ${open.length} approved answer(s)`);
        await admin.page.goto(`${zoneUrl}/devices/${device.address}`);
        expect(await admin.page.locator('#with-answers').count()).toBe(1);
        await admin.page.screenshot({ path: join(shots, `${k.kind}-device.png`), fullPage: true });
        const report = await admin.page.goto(`${zoneUrl}/assessment/report`);
        expect(report?.status()).toBe(200);
        expect(await admin.page.locator('h2', { hasText: `FR${fr}` }).count()).toBe(1);
        await admin.page.pdf({ path: join(shots, `${k.kind}-gap-analysis.pdf`) });
        expect(admin.errors).toEqual([]);
        expect([...admin.hosts]).toEqual([new URL(svc.url).host]);
      } finally {
        await admin.context.close();
      }
    }, 120_000);
  });
}
