/**
 * Watches the nodes during a run, every 2 s: peak RSS (/proc/<pid>/status VmHWM), the peers each
 * node holds in purgatory (`GET /v1/peers`: every peer of a run is honest, so each is a finding), and
 * the strikes it counted (`murmur_misbehaviour_strikes_total{kind}` of `GET /metrics`; a restart
 * starts the counter again, so the monitor adds up what each incarnation counted).
 */
import type { FaultNode } from './cluster.ts';

const POLL_MS = 2000;
const STRIKE_LINE = /^murmur_misbehaviour_strikes_total\{kind="([^"]*)"\} (\d+)/gm;

export class Monitor {
  readonly nodes: FaultNode[];
  /** Per node: strikes of earlier incarnations, and the last reading of the current one. */
  readonly #base: Map<string, number>[];
  readonly #current: Map<string, number>[];
  readonly #purgatory = new Map<string, { node: string; peer: string; reason?: string }>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> = Promise.resolve();

  constructor(nodes: FaultNode[]) {
    this.nodes = nodes;
    this.#base = nodes.map(() => new Map());
    this.#current = nodes.map(() => new Map());
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.poll());
    }, POLL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
    await this.poll();
  }

  async poll(): Promise<void> {
    const names = new Map(this.nodes.map((n) => [n.peerId, n.name]));
    await Promise.all(
      this.nodes.map(async (n, i) => {
        if (n.state !== 'up') return;
        n.sampleRss();
        const m = await n.api.call('GET', '/metrics', { timeoutMs: 5000 }).catch(() => undefined);
        if (m?.status === 200) {
          const now = new Map<string, number>();
          for (const [, kind, v] of m.bytes.toString('utf8').matchAll(STRIKE_LINE)) now.set(kind!, Number(v));
          const cur = this.#current[i]!;
          const restarted = [...cur].some(([k, v]) => (now.get(k) ?? 0) < v);
          if (restarted) for (const [k, v] of cur) this.#base[i]!.set(k, (this.#base[i]!.get(k) ?? 0) + v);
          this.#current[i] = now;
        }
        const p = await n.api
          .call<{ peers: { peerId: string; state: string; reason?: string }[] }>('GET', '/v1/peers', {
            timeoutMs: 5000,
          })
          .catch(() => undefined);
        if (p?.status !== 200) return;
        for (const peer of p.body.peers) {
          if (peer.state !== 'purgatory') continue;
          const e = {
            node: n.name,
            peer: names.get(peer.peerId) ?? peer.peerId,
            ...(peer.reason ? { reason: peer.reason } : {}),
          };
          this.#purgatory.set(`${e.node}>${e.peer}`, e);
        }
      }),
    );
  }

  strikes(): { total: number; byKind: Record<string, number> } {
    const byKind: Record<string, number> = {};
    for (let i = 0; i < this.nodes.length; i++) {
      for (const m of [this.#base[i]!, this.#current[i]!])
        for (const [k, v] of m) byKind[k] = (byKind[k] ?? 0) + v;
    }
    return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
  }

  /** Every (node, peer) seen in purgatory during the run, with the reason first seen. */
  purgatoryEntries(): { node: string; peer: string; reason?: string }[] {
    return [...this.#purgatory.values()];
  }
}
