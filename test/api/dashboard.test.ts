import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../../src/api/index.ts';
import type { ApiServer } from '../../src/api/server.ts';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import type { FakeNode } from './fake-node.ts';
import { startFakeApi, TOKEN } from './helpers.ts';

// The functions passed to page.waitForFunction run in the page, where `document` exists.
// biome-ignore lint/suspicious/noExplicitAny: the DOM lib is not in this Node project's types
declare const document: any;

const skip = browserSkip;

describe('dashboard in headless chromium', { skip }, () => {
  let api: ApiServer;
  let node: FakeNode;
  let url: string;
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  before(async () => {
    ({ api, node, url } = await startFakeApi({ sseHeartbeatMs: 200 }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await api.stop();
  });

  test('logs in from the #token fragment, shows the node and follows events live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    await page.goto(`${url}/#token=${TOKEN}`);
    await page.waitForFunction(
      (id: string) => document.getElementById('peer-id')?.textContent === id,
      node.peerId,
    );
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
    assert.equal(await page.textContent('#network'), 'murmur');
    assert.equal(await page.locator('#bins .bin').count(), 32);
    // the fake node runs no data services: each data panel says so
    for (const panel of ['trees', 'chunks', 'journals']) {
      await page.waitForFunction(
        (p: string) => document.getElementById(`${p}-note`)?.textContent === 'not running on this node',
        panel,
      );
    }
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live');

    const client = new ApiClient({ url, token: TOKEN });
    await client.connect('/ip4/127.0.0.1/tcp/4009/p2p/12D3KooWDashPeer');
    node.setDepth(2);
    await page.waitForFunction(() =>
      document.getElementById('peers')?.textContent?.includes('12D3KooWDashPeer'),
    );
    await page.waitForFunction(() => document.getElementById('events')?.textContent?.includes('depth → 2'));
    // the event log is written at once, the status panels by a refresh scheduled 200 ms after each
    // event: wait for that refresh rather than reading the panels right after the log line
    await page.waitForFunction(() => document.getElementById('depth')?.textContent === '2');
    assert.match(await page.textContent('#peers'), /active/);
    assert.equal(await page.textContent('#depth'), '2');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a wrong token shows the login form with the reason', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/#token=${'0'.repeat(64)}`);
    await page.waitForSelector('#login:not([hidden])');
    assert.match(await page.textContent('#login-error'), /wrong API token/);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForFunction(
      (id: string) => document.getElementById('peer-id')?.textContent === id,
      node.peerId,
    );
    await page.close();
  });
  test('peers page: a peer in purgatory shows why and when it lifts; Forgive lifts it (POST …/forgive)', async () => {
    const peerId = '12D3KooWPurgatoryPeer';
    node.setPeer({
      peerId,
      state: 'purgatory',
      addresses: ['/ip4/127.0.0.1/tcp/4010'],
      lastSeen: Date.now(),
      reason: 'undecodable',
      strikes: 3,
      nextAttemptAt: Date.now() + 10 * 60_000,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    // the fake node runs no data services: the overview's panels get 404 from their routes
    const services = /\/v1\/(trees|chunks|journals|kinds)(\/|$)/;
    page.on('console', (m: { type(): string; text(): string; location(): { url: string } }) => {
      if (m.type() === 'error' && !services.test(m.location().url))
        errors.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(`${url}/#token=${TOKEN}`);
    await page.click('#tabs a[data-page="peers"]');
    const row = page.locator(`#peers tr[data-peer="${peerId}"]`);
    await row.locator('td.state-purgatory').waitFor();
    assert.match((await row.textContent()) ?? '', /undecodable, lifts in (9|10)m/);
    await row.locator('button', { hasText: 'Forgive' }).click();
    await page.locator('#peers-status', { hasText: 'now lifesupport' }).waitFor();
    await row.locator('td.state-lifesupport').waitFor();
    assert.equal(await row.locator('button', { hasText: 'Forgive' }).count(), 0, 'nothing left to forgive');
    assert.equal(node.peers().find((p) => p.peerId === peerId)?.strikes, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
