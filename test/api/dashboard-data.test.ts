import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readApiToken } from '../../src/api/files.ts';
import { ChunksService } from '../../src/chunks/service.ts';
import { loadConfig } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/index.ts';
import { JournalsService } from '../../src/journals/service.ts';
import { generateKeyPair, toHex } from '../../src/tree/keys.ts';
import { TreeService } from '../../src/tree/service.ts';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';

// The functions passed to page.waitForFunction run in the page, where `document` exists.
// biome-ignore lint/suspicious/noExplicitAny: the DOM lib is not in this Node project's types
declare const document: any;

const skip = browserSkip;

describe('dashboard data panels over a real node with its services (headless chromium)', { skip }, () => {
  let root: string;
  let daemon: Daemon;
  let tree: TreeService;
  let chunks: ChunksService;
  let journals: JournalsService;
  let journalId: string;
  let fileChunks: number;
  const otherTree = toHex(generateKeyPair().publicKey);
  // biome-ignore lint/suspicious/noExplicitAny: playwright types are loaded lazily
  let browser: any;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'murmur-dash-data-'));
    const config = await loadConfig({
      flags: { data: root, listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' },
      env: {},
    });
    tree = new TreeService({ keyFile: join(root, 'tree-key.json') });
    chunks = new ChunksService();
    journals = new JournalsService({ dataDir: root });
    daemon = new Daemon({ config, services: [chunks, tree, journals] });
    await daemon.start();
    await tree.tree(tree.defaultTree).put('/hello', new TextEncoder().encode('world'));
    await tree.tree(tree.defaultTree).put('/other', new TextEncoder().encode('value'));
    await tree.join(otherTree);
    journalId = (await journals.journals.create('dash')).id;
    for (let n = 1; n <= 3; n++) await journals.append(journalId, { e: 'tick', p: { n } });
    // random bytes: identical chunks would be stored once
    fileChunks = (await chunks.put([new Uint8Array(randomBytes(40 * 1024))])).chunks;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('shows trees with root hash and records, chunk sync summary, journals with heads; refreshes', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    page.on('response', (r: { status(): number; url(): string }) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${daemon.apiUrl}/#token=${await readApiToken(root)}`);
    await page.waitForFunction(() => document.querySelectorAll('#trees tr').length === 2);

    // trees: the node's own tree (default, node key) with its two records, then the joined one
    const rows = await page.$$eval('#trees tr', (trs: { children: { textContent: string }[] }[]) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)),
    );
    const own = tree.tree(tree.defaultTree);
    assert.deepEqual(rows[0], [
      `${tree.defaultTree.slice(0, 12)}… (default, node key)`,
      `${toHex(own.rootHash()).slice(0, 16)}…`,
      '2',
    ]);
    assert.deepEqual(rows[1], [
      `${otherTree.slice(0, 12)}…`,
      `${toHex(tree.tree(otherTree).rootHash()).slice(0, 16)}…`,
      '0',
    ]);
    assert.match(await page.textContent('#trees-note'), /^2 tree\(s\), 2 record\(s\)/);

    // chunks: what the store holds, no peers so nothing to pull and no lag
    const dl = await page.textContent('#chunks');
    assert.match(dl, new RegExp(`chunks held${fileChunks} in \\d+ bin\\(s\\)`));
    assert.match(dl, /storage[\d.]+ (B|KiB|MiB) of 16\.0 GiB · pinned \d+ chunk\(s\) · evicted 0/);
    assert.match(dl, /pulling from0 peer\(s\)/);
    assert.match(dl, /sync lag0 chunk\(s\)/);
    assert.equal(await page.textContent('#chunks-note'), 'in sync with its upstream peers');

    // journals: the own journal with its head and head hash
    const jrow = async (): Promise<string[]> =>
      page.$eval('#journals tr', (tr: { children: { textContent: string }[] }) =>
        [...tr.children].map((td) => td.textContent),
      );
    const info = journals.journals.info(journalId);
    assert.deepEqual(await jrow(), [
      'dash',
      `${info.writer.slice(0, 8)}…`,
      '3',
      `${Buffer.from(info.headHash).toString('hex').slice(0, 12)}…`,
      'own',
    ]);

    // refreshed every few seconds: two more events show up without reloading
    await journals.append(journalId, { e: 'tick', p: { n: 4 } });
    await journals.append(journalId, { e: 'tick', p: { n: 5 } });
    await page.waitForFunction(
      () => document.querySelector('#journals tr')?.children[2]?.textContent === '5',
      undefined,
      { timeout: 60_000 },
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});
