/**
 * The ServiceContext guarantees of docs/SERVICES.md as one suite, run against the node's ServiceHost
 * (real libp2p nodes on loopback) and the simulator's context: the same cases, the same assertions.
 * The factory builds an unconnected cluster of n members running the given services.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock, VirtualClock } from '../../src/clock/index.ts';
import { type ErrorCode, isMurmurError, MurmurError } from '../../src/errors/index.ts';
import type { NodeService, ServiceContext, ServicePeer } from '../../src/service/context.ts';
import { FrameReader } from '../../src/streamer/channel.ts';
import { type ServiceCluster, until } from '../helpers/cluster.ts';

/**
 * Builds n unconnected members running the given services; with `clock`, on that virtual clock (the
 * nodes' NodeOptions.clock, or the simulator's bus clock, then driven by the test only).
 */
export type ClusterFactory = (
  n: number,
  services: (i: number) => NodeService[],
  options?: { clock?: VirtualClock },
) => Promise<ServiceCluster>;

const ECHO = '/murmur/probe/echo/1';
const THROWS = '/murmur/probe/throws/1';
/** Its handler throws the error named by the first frame (a code with a strike kind, or churn). */
const THROWS_CODE = '/murmur/probe/throws-code/1';
const CAPPED = '/murmur/probe/capped/1';
const IDLE = '/murmur/probe/idle/1';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A service that serves a few protocols and records what its context tells it. */
class Probe implements NodeService {
  readonly name = 'probe';
  ctx!: ServiceContext;
  readonly active: ServicePeer[] = [];
  readonly inactive: string[] = [];
  /** Events seen by a listener that unsubscribed at once. */
  readonly unsubscribed: string[] = [];
  /** Errors the idle handler's read ended with. */
  readonly idleErrors: unknown[] = [];

  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
    ctx.on('peer:active', (p) => this.active.push(p));
    ctx.on('peer:inactive', (p) => this.inactive.push(p.peerId));
    const off = ctx.on('peer:active', (p) => this.unsubscribed.push(p.peerId));
    off();
    await ctx.handle(ECHO, async (ch) => {
      for await (const f of ch) await ch.send(f);
      ch.close();
    });
    await ctx.handle(THROWS, async (ch) => {
      await new FrameReader(ch).next();
      throw new Error('handler failed on purpose');
    });
    await ctx.handle(THROWS_CODE, async (ch) => {
      const which = dec.decode(await new FrameReader(ch).next()) as ErrorCode;
      throw new MurmurError(which, 'thrown on purpose');
    });
    await ctx.handle(
      CAPPED,
      async (ch) => {
        for await (const f of ch) await ch.send(f);
      },
      { maxMessageBytes: 64 },
    );
    await ctx.handle(
      IDLE,
      async (ch) => {
        try {
          for await (const _ of ch) {
            // nothing is sent on this protocol
          }
        } catch (err) {
          this.idleErrors.push(err);
        }
      },
      { idleTimeoutMs: 300 },
    );
  }

  async stop(): Promise<void> {}
}

/** A service that arms timers on its context's clock and records when they run. */
class Ticker implements NodeService {
  readonly name = 'ticker';
  ctx!: ServiceContext;
  readonly fired: string[] = [];
  #interval: unknown;

  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
  }

  /** A 0 ms and a 500 ms timeout, a 200 ms interval and a 300 ms sleep, all on ctx.clock. */
  arm(): void {
    const { clock } = this.ctx;
    const at = clock.now();
    const mark = (what: string) => () => this.fired.push(`${what}@${clock.now() - at}`);
    clock.setTimeout(mark('zero'), 0);
    clock.setTimeout(mark('timeout'), 500);
    this.#interval = clock.setInterval(mark('tick'), 200);
    void clock.sleep(300).then(mark('sleep'));
  }

  async stop(): Promise<void> {
    this.ctx?.clock.clearInterval(this.#interval);
  }
}

const code =
  (c: ErrorCode) =>
  (e: unknown): boolean => {
    assert.ok(isMurmurError(e, c), `expected ${c}, got ${String((e as Error)?.message ?? e)}`);
    return true;
  };

async function strikeCount(ctx: ServiceContext, kind: string): Promise<number> {
  const m = ctx.metrics.getSingleMetric('murmur_misbehaviour_strikes_total');
  if (m === undefined) return 0;
  const v = (await m.get()).values.find((x) => x.labels.kind === kind);
  return v?.value ?? 0;
}

export function serviceContextSuite(name: string, factory: ClusterFactory): void {
  describe(`ServiceContext clock: ${name}`, () => {
    test("ctx.clock timers of a service fire only when that context's clock advances", async () => {
      const clock = new VirtualClock(1_700_000_000_000);
      const cluster = await factory(1, () => [new Ticker()], { clock });
      try {
        const ticker = cluster.members[0]!.service<Ticker>('ticker');
        assert.equal(ticker.ctx.clock.now(), clock.now());
        ticker.arm();
        // real time passes: a real timer armed after them has run (on the system clock the 0 ms
        // one would have run before it), and another virtual clock moves: nothing of theirs runs
        await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1, { ref: true }));
        new VirtualClock(clock.now()).advance(10_000);
        assert.deepEqual(ticker.fired, []);
        await clock.tickAsync(0);
        assert.deepEqual(ticker.fired, ['zero@0']);
        await clock.tickAsync(299);
        assert.deepEqual(ticker.fired, ['zero@0', 'tick@200']);
        await clock.tickAsync(1);
        assert.deepEqual(ticker.fired, ['zero@0', 'tick@200', 'sleep@300']);
        await clock.tickAsync(200);
        assert.deepEqual(ticker.fired, ['zero@0', 'tick@200', 'sleep@300', 'tick@400', 'timeout@500']);
        assert.equal(ticker.ctx.clock.now(), clock.now());
      } finally {
        await cluster.stop();
      }
    });
  });

  describe(`ServiceContext compliance: ${name}`, () => {
    let cluster: ServiceCluster;
    const probe = (i: number): Probe => cluster.members[i]!.service<Probe>('probe');
    const id = (i: number): string => cluster.members[i]!.peerId;

    before(async () => {
      cluster = await factory(3, () => [new Probe()]);
    });
    after(async () => {
      await cluster?.stop();
    });

    test('dial to a peer that is not active: MURMUR_PEER_NOT_ACTIVE', async () => {
      await assert.rejects(probe(0).ctx.dial(id(1), ECHO), code('MURMUR_PEER_NOT_ACTIVE'));
    });

    test('peer:active once per peer, peers() lists the active peers with their proximity', async () => {
      await cluster.connect(1, 0);
      await cluster.connect(2, 0);
      await until(() => probe(0).active.length >= 2 && probe(1).active.some((p) => p.peerId === id(0)), {
        what: 'peer:active events',
      });
      const seen = probe(0).active.map((p) => p.peerId);
      assert.deepEqual([...seen].sort(), [id(1), id(2)].sort());
      const listed = probe(0).ctx.peers();
      assert.deepEqual(listed.map((p) => p.peerId).sort(), [id(1), id(2)].sort());
      for (const p of probe(0).active) {
        const l = listed.find((x) => x.peerId === p.peerId)!;
        assert.equal(l.po, p.po);
        assert.deepEqual([...l.overlay], [...p.overlay]);
      }
      assert.equal(typeof probe(0).ctx.depth(), 'number');
    });

    test('on() returns an unsubscribe function: that listener hears nothing more', () => {
      assert.deepEqual(probe(0).unsubscribed, []);
      assert.ok(probe(0).active.length >= 2);
    });

    test('handle/dial round trip both ways', async () => {
      for (const [from, to] of [
        [1, 0],
        [0, 1],
      ] as const) {
        const ch = await probe(from).ctx.dial(id(to), ECHO);
        await ch.send(enc.encode(`hello ${from}`));
        assert.equal(dec.decode(await new FrameReader(ch).next({ timeoutMs: 10_000 })), `hello ${from}`);
        ch.close();
      }
    });

    test('a handler that throws aborts its channel and strikes nobody', async () => {
      const before = [cluster.members[0]!.strikes(id(1)), cluster.members[1]!.strikes(id(0))];
      const ch = await probe(1).ctx.dial(id(0), THROWS);
      await ch.send(enc.encode('x'));
      await assert.rejects(new FrameReader(ch).next({ timeoutMs: 10_000 }), code('MURMUR_STREAMER_CLOSED'));
      // the echo on the same pair still works afterwards, and no strike was counted
      const echo = await probe(1).ctx.dial(id(0), ECHO);
      await echo.send(enc.encode('after'));
      assert.equal(dec.decode(await new FrameReader(echo).next({ timeoutMs: 10_000 })), 'after');
      echo.close();
      assert.deepEqual([cluster.members[0]!.strikes(id(1)), cluster.members[1]!.strikes(id(0))], before);
    });

    test('a handler throwing misbehaviour by the error table strikes once; churn strikes nobody', async () => {
      const before = cluster.members[0]!.strikes(id(1));
      const kindBefore = await strikeCount(probe(0).ctx, 'probe:undecodable');
      for (const thrown of ['MURMUR_TIMEOUT', 'MURMUR_STREAMER_CLOSED', 'MURMUR_STREAMER_BAD_MESSAGE']) {
        const ch = await probe(1).ctx.dial(id(0), THROWS_CODE);
        await ch.send(enc.encode(thrown));
        await assert.rejects(new FrameReader(ch).next({ timeoutMs: 10_000 }), code('MURMUR_STREAMER_CLOSED'));
      }
      await until(() => cluster.members[0]!.strikes(id(1)) === before + 1, {
        what: 'the undecodable strike',
      });
      assert.equal(await strikeCount(probe(0).ctx, 'probe:undecodable'), kindBefore + 1);
      assert.equal(cluster.members[0]!.strikes(id(1)), before + 1);
    });

    test('maxMessageBytes of the handler: an oversized frame aborts the stream and strikes the sender', async () => {
      const ch = await probe(2).ctx.dial(id(0), CAPPED, { maxMessageBytes: 4096 });
      await ch.send(new Uint8Array(64)); // at the cap: served
      const reader = new FrameReader(ch);
      assert.equal((await reader.next({ timeoutMs: 10_000 })).length, 64);
      await ch.send(new Uint8Array(65)).catch(() => {});
      await assert.rejects(reader.next({ timeoutMs: 10_000 }));
      await until(() => cluster.members[0]!.strikes(id(2)) === 1, { what: 'oversized strike' });
      assert.equal(await strikeCount(probe(0).ctx, 'oversized'), 1);
    });

    test('idleTimeoutMs of the handler: a silent stream ends with MURMUR_TIMEOUT and resets the dialler', async () => {
      const ch = await probe(1).ctx.dial(id(0), IDLE);
      await ch.send(new Uint8Array(0)).catch(() => {}); // opens the stream on every transport
      const dialler = new FrameReader(ch).next({ timeoutMs: 20_000 }).then(
        () => new Error('the dialler read a frame'),
        (err: unknown) => err,
      );
      await until(() => probe(0).idleErrors.length === 1, { what: 'idle timeout of the handler' });
      assert.ok(isMurmurError(probe(0).idleErrors[0], 'MURMUR_TIMEOUT'), String(probe(0).idleErrors[0]));
      code('MURMUR_STREAMER_CLOSED')(await dialler);
    });

    test('strike(peer, kind) is counted against the peer as <service>:<kind>', async () => {
      const before = cluster.members[0]!.strikes(id(1));
      probe(0).ctx.strike(id(1), 'forged');
      assert.equal(cluster.members[0]!.strikes(id(1)), before + 1);
      assert.equal(await strikeCount(probe(0).ctx, 'probe:forged'), 1);
      assert.equal(await strikeCount(probe(0).ctx, 'forged'), 0);
    });

    test('a peer that goes away: peer:inactive once, gone from peers(), dial refused', async () => {
      await cluster.members[2]!.stop();
      await until(() => probe(0).inactive.includes(id(2)), { what: 'peer:inactive of the stopped peer' });
      assert.equal(probe(0).inactive.filter((p) => p === id(2)).length, 1);
      assert.ok(
        !probe(0)
          .ctx.peers()
          .some((p) => p.peerId === id(2)),
      );
      assert.ok(
        probe(0)
          .ctx.peers()
          .some((p) => p.peerId === id(1)),
      );
      await assert.rejects(probe(0).ctx.dial(id(2), ECHO), code('MURMUR_PEER_NOT_ACTIVE'));
    });
  });
}
