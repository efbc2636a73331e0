import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Debian's chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags a closed network needs: without them Chromium keeps calling home at start. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests are skipped here, or false. */
export const chromiumMissing = (): string | false => (existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: apt-get install -y chromium`);

/**
 * A page at a laptop's size (1366 x 768) that records console errors, uncaught page errors and
 * every host it asks: what a console test asserts stays empty, or only the console.
 */
export async function watchedPage(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  page.on('pageerror', (e) => errors.push(e.message));
  const hosts = new Set<string>();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  return { context, page, errors, hosts };
}

/**
 * One Chromium for a test file: launched before its tests (unless missing), closed after them,
 * and the file's stores stopped then too. `browser()` is the running one.
 */
export function fileBrowser(stores: readonly { stop(): void }[] = []): { readonly skip: string | false; browser(): Browser | undefined } {
  const skip = chromiumMissing();
  let running: Browser | undefined;
  beforeAll(async () => {
    if (!skip) running = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await running?.close();
    for (const s of stores) s.stop();
  });
  return { skip, browser: () => running };
}
