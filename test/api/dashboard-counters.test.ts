import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../../src/api/client.ts';
import { readApiInfo, readApiToken } from '../../src/api/files.ts';
import { daemonScope, murmur, startDaemon } from '../cli/helpers.ts';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';

const skip = browserSkip;

const { daemons, tmp } = daemonScope('murmur-dash-counters-');

describe('the counters card over a real murmur start (headless chromium)', { skip }, () => {
  let dir: string;
  let url: string;
  let token: string;
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  before(async () => {
    dir = await tmp();
    // every registered kind runs (as `murmur start` always does), the counters kind among them
    daemons.push(await startDaemon(dir));
    url = (await readApiInfo(dir)).url;
    token = await readApiToken(dir);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('shows a counter incremented through the CLI, then its new value after an API increment', async () => {
    const inc = await murmur(['counter', 'inc', 'hits', '5', '--data', dir]);
    assert.equal(inc.code, 0, inc.stderr);
    assert.equal(inc.stdout.trim(), '5');

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(`page error: ${e.message}`));
    // the favicon is served too: no request of the page may fail
    page.on('console', (m: { type(): string; text(): string; location(): { url: string } }) => {
      if (m.type() === 'error') {
        errors.push(`console: ${m.text()} (${m.location().url})`);
      }
    });
    page.on('response', (r: { status(): number; url(): string }) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${url}/#token=${token}`);

    const card = page.locator('#kind-counters');
    // the card's title is the kind's, its items the kind's card(): the count, then each counter
    await card.locator('h2', { hasText: 'Counters' }).waitFor();
    await card.locator('dt:text-is("counters") + dd:text-is("1")').waitFor();
    await card.locator('dt:text-is("hits") + dd:text-is("5")').waitFor();
    assert.equal(
      await card.locator('p.note').textContent(),
      'PN-counters, merged per node slot (not signed)',
    );

    // the card is refreshed with the data panels: a change shows up without reloading
    const client = new ApiClient({ url, token });
    const r = await client.request<{ value: string }>('POST', '/v1/counters/hits', { body: { by: -2 } });
    assert.equal(r.value, '3');
    await client.request('POST', '/v1/counters/other', { body: { by: 7 } });
    await card.locator('dt:text-is("hits") + dd:text-is("3")').waitFor({ timeout: 60_000 });
    await card.locator('dt:text-is("other") + dd:text-is("7")').waitFor({ timeout: 60_000 });
    await card.locator('dt:text-is("counters") + dd:text-is("2")').waitFor({ timeout: 60_000 });

    assert.deepEqual(errors, []);
    await page.close();
  });
});
