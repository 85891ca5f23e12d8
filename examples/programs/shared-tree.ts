/**
 * Two nodes sharing a tree: alice writes keys into her own tree, bob joins it and watches the keys
 * replicate, then subscribes to one of them while alice changes it.
 *
 *   node examples/programs/shared-tree.ts      (from an installed package, after compiling)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, TreeService } from 'murmur';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const text = (v: Uint8Array | null | undefined): string => new TextDecoder().decode(v ?? new Uint8Array());
const dir = await mkdtemp(join(tmpdir(), 'murmur-shared-tree-'));
const listen = ['/ip4/127.0.0.1/tcp/0'];
const alice = await createNode({
  dataDir: join(dir, 'alice'),
  listen,
  services: { tree: new TreeService() },
});
const bob = await createNode({ dataDir: join(dir, 'bob'), listen, services: { tree: new TreeService() } });
// everything below gives up after a minute instead of hanging
const signal = AbortSignal.timeout(60_000);

try {
  await alice.start({ signal });
  await bob.start({ signal });
  await bob.connect(alice.status().addresses[0]!, { signal });

  const tree = alice.tree.publicKey; // alice's own tree: only her key (and keys she grants) may write it
  await alice.tree.put('/rooms/lobby/topic', 'welcome', { signal });
  await bob.tree.join(tree, { signal });

  // bob: the matching keys as they are, a 'tail' marker, then every change replicated from alice
  const seen = new Set<string>();
  const watching = new AbortController();
  const watched = (async () => {
    for await (const ev of bob.tree.watch(['/rooms/**'], {
      tree,
      signal: AbortSignal.any([signal, watching.signal]),
    })) {
      if (ev.type === 'tail') {
        say('bob: caught up, watching');
        await alice.tree.put('/rooms/lobby/members/alice', 'online', { signal });
        continue;
      }
      say(`bob sees ${ev.key} = ${ev.entry === null ? '(deleted)' : text(ev.entry.value)}`);
      seen.add(ev.key);
      if (seen.has('/rooms/lobby/topic') && seen.has('/rooms/lobby/members/alice')) watching.abort();
    }
  })();
  await watched;
  if (seen.size < 2) throw new Error('bob did not see both keys');

  // a subscription: the key's state now, then each change
  const subscribed = new AbortController();
  let changed = false;
  for await (const state of bob.tree.subscribe('/rooms/lobby/topic', {
    tree,
    signal: AbortSignal.any([signal, subscribed.signal]),
  })) {
    say(`bob's subscription: ${text(state.value)}${state.dirty ? ' (syncing)' : ''}`);
    if (text(state.value) !== 'welcome') subscribed.abort();
    else if (!changed) {
      changed = true; // the state as it is now: alice changes it, bob's subscription sees it
      await alice.tree.put('/rooms/lobby/topic', 'moved to #main', { signal });
    }
  }
  const got = await bob.tree.get('/rooms/lobby/topic', { tree, signal });
  if (text(got?.value) !== 'moved to #main') throw new Error('bob does not read the new topic');
  say(`bob reads the topic, signed by ${Buffer.from(got!.entry.signer).toString('hex').slice(0, 8)}…: ok`);
} finally {
  await bob.stop();
  await alice.stop();
  await rm(dir, { recursive: true, force: true });
}
