import { MurmurError } from '../../errors/index.ts';
import type { FrameChannel } from '../../streamer/channel.ts';
import { type Bundle, decodeBundle, encodeBundle } from '../codec.ts';
import { Reconciler } from '../reconcile.ts';
import type { TreeRecord } from '../state.ts';
import type { Refusal } from '../store.ts';
import { bundleOf, type Tree } from '../tree.ts';
import { BUNDLE_TARGET_BYTES } from './constants.ts';
import {
  decodeSync,
  encodeSync,
  SYNC_BUNDLE,
  SYNC_END,
  SYNC_OPEN,
  SYNC_RECON,
  SYNC_RECON_DONE,
  SYNC_UNKNOWN_TREE,
  type SyncFrame,
} from './wire.ts';

/** Figures of one sync session (one side's view). */
export interface SyncResult {
  /** False when the responder does not hold the tree. */
  held: boolean;
  bytesSent: number;
  bytesReceived: number;
  /** Reconciliation messages received by the initiator (0 for the responder). */
  roundTrips: number;
  recordsSent: number;
  recordsReceived: number;
  refused: Refusal[];
}

export interface SyncHooks {
  signal?: AbortSignal;
  /** Records a peer sent that were refused (the caller strikes the peer). */
  onRefused?: (refused: Refusal[]) => void;
  /** The peer's id: its share of the pending pool (grants and revocations without authority). */
  peer?: string;
}

/** A frame reader over a channel with byte counting; undecodable frames throw MURMUR_TREE_MALFORMED. */
class Frames {
  readonly #it: AsyncIterator<Uint8Array>;
  readonly #ch: FrameChannel;
  readonly res: SyncResult;
  constructor(ch: FrameChannel, res: SyncResult) {
    this.#ch = ch;
    this.#it = ch[Symbol.asyncIterator]();
    this.res = res;
  }
  async next(): Promise<SyncFrame> {
    const r = await this.#it.next();
    if (r.done === true) throw new MurmurError('MURMUR_STREAMER_CLOSED', 'sync stream ended early');
    this.res.bytesReceived += r.value.length;
    return decodeSync(r.value);
  }
  async send(f: SyncFrame, signal?: AbortSignal): Promise<void> {
    const bytes = encodeSync(f);
    this.res.bytesSent += bytes.length;
    await this.#ch.send(bytes, signal === undefined ? {} : { signal });
  }
}

function fresh(): SyncResult {
  return {
    held: true,
    bytesSent: 0,
    bytesReceived: 0,
    roundTrips: 0,
    recordsSent: 0,
    recordsReceived: 0,
    refused: [],
  };
}

/** Runs a session as the initiator on a freshly dialled sync channel. */
export async function initiateSync(ch: FrameChannel, tree: Tree, hooks: SyncHooks = {}): Promise<SyncResult> {
  const res = fresh();
  const frames = new Frames(ch, res);
  tree.subscriptions.setDirty(true);
  try {
    const rec = new Reconciler(tree.state.idSet());
    await frames.send({ type: SYNC_OPEN, tree: tree.root, message: rec.initiate() }, hooks.signal);
    const first = await frames.next();
    if (first.type === SYNC_UNKNOWN_TREE) {
      res.held = false;
      return res;
    }
    await reconcileLoop(frames, rec, first, hooks, true);
    await transfer(frames, tree, rec, hooks, true);
    return res;
  } finally {
    tree.subscriptions.setDirty(false);
  }
}

/**
 * Answers a session whose OPEN frame was already read. `treeOf` maps the root key to a held tree
 * (undefined → UNKNOWN_TREE is answered).
 */
export async function respondSync(
  ch: FrameChannel,
  open: SyncFrame,
  treeOf: (root: Uint8Array) => Tree | undefined,
  hooks: SyncHooks = {},
): Promise<SyncResult> {
  const res = fresh();
  const frames = new Frames(ch, res);
  if (open.type !== SYNC_OPEN) throw new MurmurError('MURMUR_TREE_MALFORMED', 'a sync starts with OPEN');
  const tree = treeOf(open.tree);
  if (tree === undefined) {
    res.held = false;
    await frames.send({ type: SYNC_UNKNOWN_TREE }, hooks.signal);
    return res;
  }
  tree.subscriptions.setDirty(true);
  try {
    const rec = new Reconciler(tree.state.idSet());
    await reconcileLoop(frames, rec, { type: SYNC_RECON, message: open.message }, hooks, false);
    await transfer(frames, tree, rec, hooks, false);
    return res;
  } finally {
    tree.subscriptions.setDirty(false);
  }
}

/** Exchanges reconciliation messages until one side has nothing more to say. */
async function reconcileLoop(
  frames: Frames,
  rec: Reconciler,
  first: SyncFrame,
  hooks: SyncHooks,
  initiator: boolean,
): Promise<void> {
  let f = first;
  for (;;) {
    if (f.type === SYNC_RECON_DONE) return;
    if (f.type !== SYNC_RECON) throw new MurmurError('MURMUR_TREE_RECONCILE_MALFORMED', 'expected a message');
    if (initiator) frames.res.roundTrips++;
    const reply = rec.receive(f.message);
    if (reply === null) {
      await frames.send({ type: SYNC_RECON_DONE }, hooks.signal);
      return;
    }
    await frames.send({ type: SYNC_RECON, message: reply }, hooks.signal);
    f = await frames.next();
  }
}

/**
 * Sends my records the peer lacks and ingests theirs; each side ends its bundles with END. The
 * initiator sends and receives at once; the responder first ingests everything the initiator sent,
 * then sends its own: so the responder's END also acknowledges that the initiator's records are
 * stored, and a finished initiateSync means both sides hold the union.
 */
async function transfer(
  frames: Frames,
  tree: Tree,
  rec: Reconciler,
  hooks: SyncHooks,
  initiator: boolean,
): Promise<void> {
  const send = async (): Promise<void> => {
    for await (const bundle of bundlesFor(tree, rec.have)) {
      frames.res.recordsSent += bundle.entries.length + bundle.grants.length + bundle.revocations.length;
      await frames.send({ type: SYNC_BUNDLE, bundle: encodeBundle(bundle) }, hooks.signal);
    }
    await frames.send({ type: SYNC_END }, hooks.signal);
  };
  const receive = async (): Promise<void> => {
    for (;;) {
      const f = await frames.next();
      if (f.type === SYNC_END) return;
      if (f.type !== SYNC_BUNDLE) throw new MurmurError('MURMUR_TREE_MALFORMED', 'expected a bundle');
      const bundle = decodeBundle(f.bundle);
      frames.res.recordsReceived += bundle.entries.length + bundle.grants.length + bundle.revocations.length;
      const r = await tree.ingest(bundle, {
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
        ...(hooks.peer === undefined ? {} : { source: hooks.peer }),
      });
      if (r.refused.length > 0) {
        frames.res.refused.push(...r.refused);
        hooks.onRefused?.(r.refused);
      }
    }
  };
  if (initiator) await Promise.all([send(), receive()]);
  else {
    await receive();
    await send();
  }
}

/** Records read from the store per step while building bundles. */
const READ_BATCH = 512;

/**
 * Splits records into bundles of about BUNDLE_TARGET_BYTES, each with the grants its entries need.
 * Entries are read from the store in steps; records no longer held are skipped.
 */
export async function* bundlesFor(tree: Tree, ids: readonly Uint8Array[]): AsyncGenerator<Bundle> {
  let batch: TreeRecord[] = [];
  let size = 0;
  for (let i = 0; i < ids.length; i += READ_BATCH) {
    for (const r of await tree.store.records(tree.rootHex, ids.slice(i, i + READ_BATCH))) {
      const est =
        r.kind === 'entry' ? (r.record.value?.length ?? 0) + 200 + 32 * r.record.grants.length : 300;
      if (batch.length > 0 && size + est > BUNDLE_TARGET_BYTES) {
        yield bundleOf(tree.state, batch);
        batch = [];
        size = 0;
      }
      batch.push(r);
      size += est;
    }
  }
  if (batch.length > 0) yield bundleOf(tree.state, batch);
}
