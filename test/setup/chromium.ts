import { existsSync } from 'node:fs';

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
