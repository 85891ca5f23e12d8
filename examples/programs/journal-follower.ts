/**
 * A journal follower: alice writes an append-only, signed journal of orders; bob follows it from
 * another node: its history first, then each new event as alice appends it.
 *
 *   node examples/programs/journal-follower.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, JournalsApi, JournalsService } from 'murmur';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'murmur-journal-'));
const listen = ['/ip4/127.0.0.1/tcp/0'];
const alice = await createNode({
  dataDir: join(dir, 'alice'),
  listen,
  services: { journals: new JournalsService({ dataDir: join(dir, 'alice') }) },
});
const bob = await createNode({
  dataDir: join(dir, 'bob'),
  listen,
  services: { journals: new JournalsService({ dataDir: join(dir, 'bob') }) },
});
const signal = AbortSignal.timeout(60_000);

try {
  await alice.start({ signal });
  await bob.start({ signal });
  const { id } = await alice.journals.create('orders', { signal });
  say(`alice writes journal ${id.slice(0, 8)}…/orders`);
  await alice.journals.append(id, { e: 'created', p: { order: 1, item: 'tea' } }, { signal });
  await alice.journals.append(id, { e: 'paid', p: { order: 1 } }, { signal });
  // bob learns which journals alice holds when they connect (and then every catalogueIntervalMs)
  await bob.connect(alice.status().addresses[0]!, { signal });

  const following = new AbortController();
  for await (const item of bob.journals.follow(id, { signal: AbortSignal.any([signal, following.signal]) })) {
    if (item.type === 'snapshot') continue;
    const { seq, payload } = item.event;
    const event = JournalsApi.json(payload);
    say(`bob follows #${seq}: ${event?.e} ${JSON.stringify(event?.p)}`);
    // once bob has the history, alice goes on writing: bob gets it live
    if (seq === 2) await alice.journals.append(id, { e: 'shipped', p: { order: 1 } }, { signal });
    if (seq === 3) following.abort();
  }
  const { events } = await bob.journals.read(id, { signal });
  if (events.length !== 3) throw new Error(`bob holds ${events.length} events`);
  say(`bob holds ${events.length} verified events: ok`);
} finally {
  await bob.stop();
  await alice.stop();
  await rm(dir, { recursive: true, force: true });
}
