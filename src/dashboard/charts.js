// Charts page: bytes/s per protocol (from successive /v1/status counter samples, traffic.js) and sync
// lag (chunks behind upstream peers from GET /v1/chunks, journal events behind from GET /v1/journals),
// drawn as plain SVG polylines; no chart library.
import { traffic } from './traffic.js';
import { $, api, count, el, rate } from './util.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 160;
const KEEP = 90;
const COLOURS = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

/** [{t, chunks, journals}] */
const lag = [];

function svg(tag, attrs = {}) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const page = $('page-charts');
function chartCard(title, id) {
  const c = el('section', undefined, 'card');
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  chart.id = id;
  const legend = el('p', undefined, 'legend small');
  legend.id = `${id}-legend`;
  c.append(el('h2', title), chart, legend);
  return c;
}
page.append(
  chartCard('Bytes/s per protocol (in + out)', 'chart-traffic'),
  chartCard('Sync lag', 'chart-lag'),
);

/** Draws series ([{name, colour, values}]) over the same x range; the y axis from 0 to the max. */
function draw(id, series, format) {
  const chart = $(id);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i) => (i / (n - 1)) * (W - 4) + 2;
  const y = (v) => H - 14 - (v / max) * (H - 28);
  const parts = [
    svg('line', { x1: 0, y1: H - 14, x2: W, y2: H - 14, stroke: '#dde1e6' }),
    svg('line', { x1: 0, y1: 14, x2: W, y2: 14, stroke: '#eef0f3', 'stroke-dasharray': '4 4' }),
  ];
  const top = svg('text', { x: 2, y: 11, 'font-size': 11, fill: '#66707a' });
  top.textContent = format(max);
  const span = svg('text', { x: W - 2, y: H - 2, 'font-size': 11, fill: '#66707a', 'text-anchor': 'end' });
  span.textContent = `last ${Math.round((n * 2) / 60) || 1} min`;
  parts.push(top, span);
  for (const s of series) {
    if (s.values.length < 2) continue;
    const offset = n - s.values.length;
    const points = s.values.map((v, i) => `${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const line = svg('polyline', { points, fill: 'none', stroke: s.colour, 'stroke-width': 2 });
    line.dataset.series = s.name;
    parts.push(line);
  }
  chart.replaceChildren(...parts);
  $(`${id}-legend`).replaceChildren(
    ...series.map((s) => {
      const item = el('span', `● ${s.name} ${s.label}`);
      item.style.color = s.colour;
      return item;
    }),
  );
}

function drawTraffic() {
  const protocols = [...new Set(traffic.history.flatMap((h) => [...h.byProtocol.keys()]))].sort();
  draw(
    'chart-traffic',
    protocols.map((p, i) => {
      const now = traffic.current(p);
      return {
        name: p,
        colour: COLOURS[i % COLOURS.length],
        values: traffic.history.map((h) => {
          const v = h.byProtocol.get(p);
          return v ? v.in + v.out : 0;
        }),
        label: `in ${rate(now.in)} · out ${rate(now.out)}`,
      };
    }),
    rate,
  );
}

function drawLag() {
  const last = lag.at(-1) ?? { chunks: 0, journals: 0 };
  draw(
    'chart-lag',
    [
      {
        name: 'chunks behind',
        colour: COLOURS[0],
        values: lag.map((l) => l.chunks),
        label: count(last.chunks),
      },
      {
        name: 'journal events behind',
        colour: COLOURS[2],
        values: lag.map((l) => l.journals),
        label: count(last.journals),
      },
    ],
    count,
  );
}

/** Routes that answered 404 (their service does not run on this node): not asked again. */
const absent = new Set();

async function ask(path) {
  if (absent.has(path)) return {};
  try {
    return await api(path);
  } catch (err) {
    if (err.status === 404) absent.add(path);
    return {};
  }
}

/** Samples the sync lag of the chunks and journals services (a missing service counts 0). */
async function sampleLag() {
  const [c, j] = await Promise.all([ask('/v1/chunks'), ask('/v1/journals')]);
  const chunks = Object.values(c.lag ?? {}).reduce((s, x) => s + Number(x), 0);
  const heads = new Map((j.journals ?? []).map((x) => [x.id, x.to]));
  const journals = (j.sync ?? []).reduce(
    (s, x) => s + Math.max(0, (x.advertised ?? 0) - (heads.get(x.journal) ?? x.head ?? 0)),
    0,
  );
  lag.push({ t: Date.now(), chunks, journals });
  if (lag.length > KEEP) lag.shift();
}

export const chartsPage = {
  show() {
    drawTraffic();
    drawLag();
  },
  hide() {},
  /** Called on every status refresh, whatever page is shown, so the history is there when looked at. */
  async sample() {
    await sampleLag();
    if (!$('page-charts').hidden) {
      drawTraffic();
      drawLag();
    }
  },
  async refresh() {},
};
