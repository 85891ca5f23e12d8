import { existsSync } from 'node:fs';

/** Debian's Chromium, driven by playwright-core (`npx playwright install` cannot work here). */
export const CHROMIUM = '/usr/bin/chromium';

/** A test's `skip` option: false when Chromium is installed, else the reason. */
export const browserSkip: false | string = existsSync(CHROMIUM)
  ? false
  : 'chromium is not installed (apt-get install -y chromium)';

/** Launches headless Chromium with the flags a shared CI machine needs. */
// biome-ignore lint/suspicious/noExplicitAny: playwright-core's types are loaded lazily with it
export async function launchBrowser(): Promise<any> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
