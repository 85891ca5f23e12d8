import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from '../../src/api/client.ts';
import { readApiInfo, readApiToken } from '../../src/api/files.ts';
import { daemonScope, startDaemon } from '../cli/helpers.ts';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';

// The functions passed to page.evaluate run in the page, where `document` exists.
// biome-ignore lint/suspicious/noExplicitAny: the DOM lib is not in this Node project's types
declare const document: any;

const skip = browserSkip;

const { daemons, tmp } = daemonScope('murmur-dash-pages-');

interface Node {
  url: string;
  token: string;
  client: ApiClient;
  peerId: string;
  address: string;
}

async function node(): Promise<Node> {
  const dir = await tmp();
  daemons.push(await startDaemon(dir));
  const url = (await readApiInfo(dir)).url;
  const token = await readApiToken(dir);
  const client = new ApiClient({ url, token });
  const id = await client.request<{ peerId: string; addresses: string[] }>('GET', '/v1/id');
  return { url, token, client, peerId: id.peerId, address: id.addresses[0] ?? '' };
}

// biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
type Page = any;

/** A page on a node's dashboard that records console errors, page errors and failed requests. */
async function open(
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  browser: any,
  n: Node,
  width: number,
  hash = '',
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e: Error) => errors.push(`page error: ${e.message}`));
  page.on('console', (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r: { status(): number; url(): string }) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${n.url}/#token=${n.token}`);
  await page
    .locator('#peer-id', { hasText: n.peerId })
    .waitFor({ state: 'attached' })
    .catch((err: Error) => {
      throw new Error(`the dashboard did not load: ${err.message}; ${errors.join('; ')}`);
    });
  if (hash) await page.click(`#tabs a[data-page="${hash}"]`);
  return { page, errors };
}

describe('dashboard pages over two real murmur nodes (headless chromium)', { skip }, () => {
  let a: Node;
  let b: Node;
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  before(async () => {
    [a, b] = await Promise.all([node(), node()]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('peers page: connect a peer by multiaddr, name it, see it active', async () => {
    const { page, errors } = await open(browser, b, 1280, 'peers');
    await page.fill('#connect-addr', a.address);
    await page.click('#connect-form button[type=submit]');
    await page.locator('#connect-status', { hasText: `connected: ${a.peerId}` }).waitFor({ timeout: 60_000 });
    const rowOfA = page.locator(`#peers tr[data-peer="${a.peerId}"]`);
    await rowOfA.locator('td.state-active').waitFor({ timeout: 60_000 });
    // rates in/out from the peer's byte counters sampled over time (services talk at once)
    await rowOfA
      .locator('td.rate', { hasText: /^[\d.]+ (B|KiB|MiB)\/s$/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const peerA = (await b.client.peers()).find((p) => p.peerId === a.peerId);
    assert.ok((peerA?.bytesIn ?? 0) > 0 && (peerA?.bytesOut ?? 0) > 0, JSON.stringify(peerA));
    // a name given in the table is kept (localStorage) across a reload
    await rowOfA.locator('input.alias').fill('node A');
    await rowOfA.locator('input.alias').press('Enter');
    await page.reload();
    await page.click('#tabs a[data-page="peers"]');
    await page.locator(`#peers tr[data-peer="${a.peerId}"] input.alias`).waitFor();
    assert.equal(await page.locator(`#peers tr[data-peer="${a.peerId}"] input.alias`).inputValue(), 'node A');
    // B's own API agrees
    assert.ok((await b.client.peers()).some((p) => p.peerId === a.peerId && p.state === 'active'));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('layout: pages as tabs, favicon served, no horizontal overflow and bin 31 visible at 1280 and 390 px; readable traffic', async () => {
    for (const width of [1280, 390]) {
      const { page, errors } = await open(browser, a, width);
      const favicon = await page.evaluate(async () => (await fetch('/favicon.ico')).status);
      assert.equal(favicon, 200);
      await page.locator('#bins .bin').nth(31).waitFor();
      const fits = await page.evaluate(() => {
        const s = document.scrollingElement;
        const card = document.getElementById('bins').getBoundingClientRect();
        const last = document.querySelectorAll('#bins .bin')[31].getBoundingClientRect();
        return {
          scroll: s.scrollWidth,
          client: s.clientWidth,
          lastRight: last.right,
          lastWidth: last.width,
          cardRight: card.right,
        };
      });
      assert.ok(fits.scroll <= fits.client, `no horizontal overflow at ${width}px: ${JSON.stringify(fits)}`);
      assert.ok(fits.lastRight <= fits.cardRight + 0.5 && fits.lastWidth > 0, JSON.stringify(fits));
      // the traffic card shows humanised figures, not raw metric names
      await page
        .locator('#traffic td', { hasText: /\d B\/s$/ })
        .first()
        .waitFor();
      assert.equal(
        await page.locator('#page-overview', { hasText: 'murmur_protocol_bytes_total' }).count(),
        0,
      );
      const tabs: string[] = await page.$$eval(
        '#tabs a:not([hidden])',
        (as: { dataset: { page: string } }[]) => as.map((x) => x.dataset.page),
      );
      assert.ok(tabs.length >= 3, `pages: ${tabs}`);
      for (const tab of [...tabs, 'overview']) {
        await page.click(`#tabs a[data-page="${tab}"]`);
        await page.locator(`#page-${tab}`).waitFor();
        const over = await page.evaluate(
          () => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
        );
        assert.ok(over <= 0, `page ${tab} overflows by ${over}px at ${width}px`);
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
  test("trees page: a key put in A's dashboard arrives live in B's; delete, grant and revoke", async () => {
    // the nodes are connected by the peers test above
    const rootA = (await a.client.request<{ default: string }>('GET', '/v1/trees')).default;
    const onA = await open(browser, a, 1280, 'trees');
    const onB = await open(browser, b, 1280, 'trees');
    // B joins A's tree from its dashboard, then watches it
    await onB.page.fill('#join-root', rootA);
    await onB.page.click('#join-form button[type=submit]');
    await onB.page.locator('#join-status', { hasText: 'joined' }).waitFor();
    await onB.page.locator(`#tree-pick option[value="${rootA}"]`).waitFor({ state: 'attached' });
    assert.equal(await onB.page.locator('#tree-pick').inputValue(), rootA);
    await onB.page.locator('#page-trees .live-state', { hasText: 'watching live' }).waitFor();

    await onA.page.locator('#page-trees .live-state', { hasText: 'watching live' }).waitFor();
    await onA.page.fill('#put-key', '/greeting');
    await onA.page.fill('#put-value', 'hello from A');
    await onA.page.click('#put-form button[type=submit]');
    await onA.page.locator('#put-status', { hasText: 'put /greeting' }).waitFor();
    // A's table shows it with its signer (this node) at once, B's once the tree synced
    await onA.page.locator('#tree-keys tr[data-key="/greeting"] td', { hasText: 'this node' }).waitFor();
    await onB.page
      .locator('#tree-keys tr[data-key="/greeting"] td', { hasText: 'hello from A' })
      .waitFor({ timeout: 60_000 });

    // a dot segment is refused before a request is made
    await onA.page.fill('#put-key', '/a/../x');
    await onA.page.click('#put-form button[type=submit]');
    await onA.page.locator('#put-status', { hasText: 'MURMUR_TREE_BAD_PATH' }).waitFor();

    // a grant to B's tree key, listed, then revoked
    const keyB = (await b.client.request<{ nodeKey: string }>('GET', '/v1/trees')).nodeKey;
    await onA.page.fill('#grant-to', keyB);
    await onA.page.fill('#grant-pattern', '/shared/*');
    await onA.page.click('#grant-form button[type=submit]');
    await onA.page.locator('#grant-status', { hasText: 'granted /shared/*' }).waitFor();
    const grantRow = onA.page.locator('#tree-grants tr', { hasText: '/shared/*' });
    await grantRow.locator('td', { hasText: 'valid' }).waitFor();
    await grantRow.locator('button', { hasText: 'Revoke' }).click();
    await grantRow.locator('td', { hasText: 'revoked' }).waitFor();

    // deleting in A's dashboard removes the key from B's
    await onA.page.locator('#tree-keys tr[data-key="/greeting"] button', { hasText: 'Delete' }).click();
    await onB.page
      .locator('#tree-keys tr[data-key="/greeting"]')
      .waitFor({ state: 'detached', timeout: 60_000 });
    const got = await b.client.request('GET', `/v1/trees/${rootA}/kv/greeting`).then(
      () => 'found',
      (e: { code?: string }) => e.code,
    );
    assert.equal(got, 'MURMUR_TREE_NOT_FOUND');
    assert.deepEqual([...onA.errors, ...onB.errors], []);
    await onA.page.close();
    await onB.page.close();
  });
  test("files page: a file uploaded in A's dashboard with progress is downloaded and pinned in B's", async () => {
    const data = randomBytes(300 * 1024); // random: several distinct chunks
    const sha = createHash('sha256').update(data).digest('hex');
    const onA = await open(browser, a, 1280, 'files');
    await onA.page.locator('#storage-line', { hasText: 'used of 16.0 GiB' }).waitFor();
    await onA.page.setInputFiles('#upload-file', {
      name: 'photo.bin',
      mimeType: 'application/octet-stream',
      buffer: data,
    });
    await onA.page.click('#upload-form button[type=submit]');
    await onA.page
      .locator('#upload-status', { hasText: 'stored photo.bin (300.0 KiB' })
      .waitFor({ timeout: 60_000 });
    const root = (await onA.page.locator('#upload-root').textContent()) ?? '';
    assert.match(root, /^[0-9a-f]{64}$/);
    assert.equal(
      await onA.page
        .locator('#upload-meter > div')
        .evaluate((d: { style: { width: string } }) => d.style.width),
      '100%',
    );
    // pinned on upload: listed in A's pins, complete
    await onA.page.locator(`#pins tr[data-root="${root}"] td`, { hasText: 'complete' }).waitFor();

    // B's dashboard gets it through B's API (B retrieves it from A, or holds a pull-synced copy) and pins it
    const onB = await open(browser, b, 390, 'files');
    await onB.page.fill('#download-root', root);
    await onB.page.click('#download-form button[type=submit]');
    await onB.page.locator('#download-sha256').waitFor({ timeout: 60_000 });
    assert.equal(await onB.page.locator('#download-sha256').textContent(), sha);
    assert.match((await onB.page.locator('#download-status').textContent()) ?? '', /received 300\.0 KiB/);
    await onB.page.click('#download-form button:text-is("Pin")');
    await onB.page
      .locator(`#pins tr[data-root="${root}"] td`, { hasText: 'complete' })
      .waitFor({ timeout: 60_000 });
    const pins = await b.client.request<{ pins: { root: string; bytes: number }[] }>(
      'GET',
      '/v1/chunks/pins',
    );
    assert.ok(pins.pins.some((p) => p.root === root && p.bytes >= data.length));
    const over = await onB.page.evaluate(
      () => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
    );
    assert.ok(over <= 0, `the files page overflows by ${over}px at 390px`);
    assert.deepEqual([...onA.errors, ...onB.errors], []);
    await onA.page.close();
    await onB.page.close();
  });
  test("journals page: create and append in A's dashboard, follow it live in B's", async () => {
    const onA = await open(browser, a, 1280, 'journals');
    await onA.page.fill('#journal-name', 'notes');
    await onA.page.click('#journal-create-form button[type=submit]');
    await onA.page.locator('#journal-create-status', { hasText: 'created notes' }).waitFor();
    const id = ((await onA.page.locator('#journal-create-status').textContent()) ?? '').split(': ')[1] ?? '';
    assert.match(id, /^[0-9a-f]{64}\/notes$/);
    await onA.page.locator(`#journals-list tr[data-journal="${id}"] td:text-is("own")`).waitFor();
    // the new journal is viewed at once; own, so it can be appended to
    await onA.page.locator('#journal-view-note', { hasText: 'following live' }).waitFor();
    await onA.page.fill('#append-e', 'said');
    await onA.page.fill('#append-p', '{"text":"first"}');
    await onA.page.click('#append-form button[type=submit]');
    await onA.page.locator('#append-status', { hasText: 'appended #1' }).waitFor();
    await onA.page.locator('#journal-events tr[data-seq="1"] td', { hasText: '{"text":"first"}' }).waitFor();

    // B views it by id: its node follows the journal from A, the event arrives, then a new one live
    const onB = await open(browser, b, 390, 'journals');
    await onB.page.fill('#journal-open-id', id);
    await onB.page.click('#journal-open-form button[type=submit]');
    await onB.page
      .locator('#journal-events tr[data-seq="1"] td', { hasText: '{"text":"first"}' })
      .waitFor({ timeout: 60_000 });
    assert.equal(await onB.page.locator('#append-form').isHidden(), true, 'not own on B: no append form');
    await onA.page.fill('#append-e', 'said');
    await onA.page.fill('#append-p', '{"text":"second"}');
    await onA.page.click('#append-form button[type=submit]');
    await onB.page
      .locator('#journal-events tr[data-seq="2"] td', { hasText: '{"text":"second"}' })
      .waitFor({ timeout: 60_000 });
    // B's list shows the journal with its head and whom it follows
    await onB.page
      .locator(`#journals-list tr[data-journal="${id}"] td`, { hasText: /^following / })
      .waitFor({ timeout: 60_000 });
    assert.deepEqual([...onA.errors, ...onB.errors], []);
    await onA.page.close();
    await onB.page.close();
  });
  test('charts page: live bytes/s per protocol and sync lag drawn as SVG from successive samples', async () => {
    const { page, errors } = await open(browser, a, 1280, 'charts');
    // a line per protocol once two rates are known (three status samples), the legend humanised
    await page.locator('#chart-traffic polyline').first().waitFor({ state: 'attached', timeout: 60_000 });
    assert.match(
      (await page.locator('#chart-traffic-legend').textContent()) ?? '',
      /in [\d.]+ (B|KiB|MiB)\/s · out/,
    );
    await page.locator('#chart-lag polyline[data-series="chunks behind"]').waitFor({ state: 'attached' });
    await page
      .locator('#chart-lag polyline[data-series="journal events behind"]')
      .waitFor({ state: 'attached' });
    assert.match((await page.locator('#chart-lag-legend').textContent()) ?? '', /chunks behind \d+/);
    // the points move as samples come in
    const points = await page.locator('#chart-lag polyline').first().getAttribute('points');
    await page.waitForFunction(
      (before: string) => document.querySelector('#chart-lag polyline')?.getAttribute('points') !== before,
      points,
      { timeout: 60_000 },
    );
    // with every protocol's legend drawn, the page still fits a desktop and a phone
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.locator('#chart-traffic-legend span').first().waitFor();
      const over = await page.evaluate(
        () => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
      );
      assert.ok(over <= 0, `the charts page overflows by ${over}px at ${width}px`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
});
