// Traffic rates: bytes per protocol and direction from successive /v1/status samples (the counters
// `murmur_protocol_bytes_total{protocol,direction}`), kept as a short history for the charts.
import { el, protocolBytes, rate, size } from './util.js';

/** Samples kept (at one per ~2 s: three minutes). */
const KEEP = 90;

class Traffic {
  /** [{t, byProtocol: Map protocol → {in, out} bytes/s}] */
  history = [];
  #last;
  /** Latest totals: Map protocol → {in, out} bytes. */
  totals = new Map();

  sample(status) {
    const t = performance.now();
    const totals = protocolBytes(status.counters);
    this.totals = totals;
    const last = this.#last;
    this.#last = { t, totals };
    if (!last || t - last.t < 250) return;
    const dt = (t - last.t) / 1000;
    const byProtocol = new Map();
    for (const [p, v] of totals) {
      const before = last.totals.get(p) ?? { in: 0, out: 0 };
      byProtocol.set(p, {
        in: Math.max(0, (v.in - before.in) / dt),
        out: Math.max(0, (v.out - before.out) / dt),
      });
    }
    this.history.push({ t: Date.now(), byProtocol });
    if (this.history.length > KEEP) this.history.shift();
  }

  /** The latest rate of a protocol (or of all when omitted): {in, out} bytes/s. */
  current(protocol) {
    const last = this.history.at(-1);
    if (!last) return { in: 0, out: 0 };
    let sum = { in: 0, out: 0 };
    for (const [p, v] of last.byProtocol) {
      if (protocol === undefined || p === protocol) sum = { in: sum.in + v.in, out: sum.out + v.out };
    }
    return sum;
  }

  renderTable(tbody) {
    const rows = [...this.totals].sort((a, b) => a[0].localeCompare(b[0]));
    tbody.replaceChildren(
      ...rows.map(([p, v]) => {
        const r = this.current(p);
        const tr = el('tr');
        tr.append(
          el('td', p, 'mono'),
          el('td', size(v.in)),
          el('td', size(v.out)),
          el('td', rate(r.in)),
          el('td', rate(r.out)),
        );
        return tr;
      }),
    );
    if (rows.length === 0) {
      const tr = el('tr');
      const td = el('td', 'no traffic yet', 'muted');
      td.colSpan = 5;
      tr.append(td);
      tbody.append(tr);
    }
  }
}

export const traffic = new Traffic();
