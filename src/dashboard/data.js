// Data panels of the dashboard: trees, chunks and journals held by the node, from the services' own
// API routes (GET /v1/trees, /v1/chunks, /v1/journals). Data only ever goes through textContent.
import { $, el, mono, row, short, size } from './util.js';

/** A panel whose route failed: "not running" for a missing service, else the error. */
function unavailable(panel, err) {
  const note = $(`${panel}-note`);
  note.textContent =
    err.code === 'MURMUR_API_NOT_FOUND' || err.code === 'MURMUR_NODE_NOT_STARTED'
      ? 'not running on this node'
      : `unavailable: ${err.message}`;
  note.className = 'note error';
  $(panel).replaceChildren();
}

function renderTrees(t) {
  const trees = [...t.trees].sort(
    (a, b) => Number(b.root === t.default) - Number(a.root === t.default) || a.root.localeCompare(b.root),
  );
  const records = trees.reduce((s, x) => s + x.records, 0);
  $('trees-note').className = 'note';
  $('trees-note').textContent =
    `${trees.length} tree(s), ${records} record(s) · syncs ${t.status?.syncs ?? 0} · received ${t.status?.received ?? 0} · refused ${t.status?.refused ?? 0}`;
  $('trees').replaceChildren(
    ...trees.map((x) => {
      const tags = [x.root === t.default ? 'default' : '', x.root === t.nodeKey ? 'node key' : '']
        .filter(Boolean)
        .join(', ');
      const root = mono(short(x.root), x.root);
      if (tags) root.append(el('span', ` (${tags})`, 'muted'));
      return row([root, mono(short(x.rootHash, 16), x.rootHash), String(x.records)]);
    }),
  );
}

/** Used / capacity, pinned, evicted and compacted, from GET /v1/chunks `storage`. */
function storageLine(st) {
  if (st.usedBytes === undefined) return '-';
  const cap = st.capacityBytes ? size(st.capacityBytes) : 'unlimited';
  const parts = [
    `${size(st.usedBytes)} of ${cap}`,
    `pinned ${st.pinnedChunks ?? 0} chunk(s)`,
    `evicted ${st.evictedChunks ?? 0}`,
    `segments compacted ${st.segmentsCompacted ?? 0}`,
  ];
  if (st.overCapacity) parts.push('over capacity (the rest is pinned)');
  return parts.join(' · ');
}

function renderChunks(c) {
  const cursors = (c.cursors ?? []).map((x) => BigInt(x));
  const held = cursors.reduce((s, x) => s + x, 0n);
  const bins = cursors.filter((x) => x > 0n).length;
  const subs = Object.entries(c.subscriptions ?? {});
  const lag = Object.values(c.lag ?? {}).reduce((s, x) => s + BigInt(x), 0n);
  const behind = Object.values(c.lag ?? {}).filter((x) => BigInt(x) > 0n).length;
  const p = c.pullsync ?? {};
  const r = c.retrieval ?? {};
  $('chunks-note').className = 'note';
  $('chunks-note').textContent = lag === 0n ? 'in sync with its upstream peers' : `${lag} chunk(s) behind`;
  const st = c.storage ?? {};
  const items = [
    // the store's own count (the cursors also count evicted chunks)
    ['chunks held', `${st.chunks ?? held} in ${bins} bin(s)`],
    ['storage', storageLine(st)],
    ['depth', c.depth ?? 0],
    [
      'pulling from',
      `${subs.length} peer(s), ${subs.reduce((s, [, b]) => s + b.length, 0)} bin subscription(s)`,
    ],
    ['sync lag', `${lag} chunk(s) over ${behind} peer bin(s)`],
    [
      'pull-sync',
      `offered ${p.offered ?? 0} · wanted ${p.wanted ?? 0} · delivered ${p.delivered ?? 0} · sent ${p.sentChunks ?? 0}`,
    ],
    [
      'retrieval',
      Object.entries(r)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ') || '-',
    ],
  ];
  $('chunks').replaceChildren(...items.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}

function renderJournals(j) {
  const sync = new Map((j.sync ?? []).map((s) => [s.journal, s]));
  const list = [...j.journals].sort((a, b) => Number(b.own) - Number(a.own) || a.id.localeCompare(b.id));
  $('journals-note').className = 'note';
  $('journals-note').textContent =
    `${list.length} journal(s), ${list.filter((x) => x.own).length} own · accepted ${j.stats?.accepted ?? 0} event(s) from peers`;
  $('journals').replaceChildren(
    ...list.map((x) => {
      const s = sync.get(x.id);
      const state = x.own
        ? 'own'
        : s?.peer
          ? `following ${short(s.peer, 10)}${s.advertised > x.to ? `, ${s.advertised - x.to} behind` : ''}`
          : 'waiting for a peer';
      return row([
        el('td', x.name),
        mono(short(x.writer, 8), x.writer),
        String(x.to),
        mono(short(x.hash, 12), x.hash),
        state,
      ]);
    }),
  );
}

const PANELS = [
  ['trees', '/v1/trees', renderTrees],
  ['chunks', '/v1/chunks', renderChunks],
  ['journals', '/v1/journals', renderJournals],
];

/** The panels with a renderer of their own; every other registered kind gets a generic card. */
const BUILT_IN = new Set(['tree', 'chunks', 'journals']);

/** The card of a registered data kind (GET /v1/kinds/<name>/card: a note and label/value items). */
function kindCard(kind) {
  const id = `kind-${kind.name}`;
  let card = $(id);
  if (!card) {
    card = el('div', undefined, 'card');
    card.id = id;
    card.dataset.kind = kind.name;
    card.append(el('h2', kind.title), el('p', 'loading…', 'note'), el('dl'));
    card.querySelector('h2').title = kind.summary;
    document.querySelector('section.cards.data').append(card);
  }
  return card;
}

/** Adds or refreshes the cards of the data kinds registered on the node beyond the built-in panels. */
async function refreshKindCards(api) {
  const { kinds } = await api('/v1/kinds');
  await Promise.all(
    kinds
      .filter((k) => k.card && !BUILT_IN.has(k.name))
      .map(async (k) => {
        const card = kindCard(k);
        const note = card.querySelector('p');
        try {
          const c = await api(`/v1/kinds/${encodeURIComponent(k.name)}/card`);
          note.className = 'note';
          note.textContent = c.note;
          card
            .querySelector('dl')
            .replaceChildren(...c.items.flatMap(([label, value]) => [el('dt', label), el('dd', value)]));
        } catch (err) {
          note.className = 'note error';
          note.textContent = `unavailable: ${err.message}`;
        }
      }),
  );
}

/** Refreshes the panels; `api(path)` is the dashboard's authorised fetch. Rejects on a wrong token. */
export async function refreshData(api) {
  const got = await Promise.allSettled([...PANELS.map(([, path]) => api(path)), refreshKindCards(api)]);
  got.slice(0, PANELS.length).forEach((g, i) => {
    const [panel, , render] = PANELS[i];
    if (g.status === 'fulfilled') render(g.value);
    else unavailable(panel, g.reason);
  });
  const denied = got.find((g) => g.status === 'rejected' && g.reason.code === 'MURMUR_API_UNAUTHORIZED');
  if (denied) throw denied.reason;
}
