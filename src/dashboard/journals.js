// Journals page: every journal held with its head and follower lag (GET /v1/journals), create an own
// journal, view a journal's events followed live (the SSE route GET /v1/journals/:id/follow, which
// also makes the node follow a journal it does not hold yet) and append to an own journal
// (POST /v1/journals/:id/events): the routes the CLI's `journal` commands use.
import { alias } from './peers.js';
import { $, api, button, el, mono, row, say, short, sse } from './util.js';

/** Events shown of the journal being viewed (the newest). */
const SHOWN = 200;
/** A view starts this many events before the head. */
const BACK = 50;

const page = $('page-journals');

function withId(node, id) {
  node.id = id;
  return node;
}

function card(title, ...children) {
  const c = el('section', undefined, 'card');
  c.append(el('h2', title), ...children);
  return c;
}

function input(id, placeholder, className) {
  const i = withId(el('input', undefined, className), id);
  i.placeholder = placeholder;
  i.setAttribute('aria-label', placeholder);
  return i;
}

function form(id, fields, submit) {
  const f = withId(el('form', undefined, 'inline'), id);
  const b = el('button', submit);
  b.type = 'submit';
  f.append(...fields, b);
  return f;
}

function table(id, heads) {
  const wrap = el('div', undefined, 'scroll');
  const t = el('table');
  const thead = el('thead');
  const tr = el('tr');
  tr.append(...heads.map((h) => el('th', h)));
  thead.append(tr);
  t.append(thead, withId(el('tbody'), id));
  wrap.append(t);
  return wrap;
}

const viewTitle = withId(el('h2', 'Events'), 'journal-view-title');
const viewer = el('section', undefined, 'card');
viewer.append(
  viewTitle,
  withId(el('p', 'pick a journal above', 'note'), 'journal-view-note'),
  form(
    'append-form',
    [input('append-e', 'event type (e)', 'mono'), input('append-p', 'payload (p) as JSON', 'grow mono')],
    'Append',
  ),
  withId(el('p', undefined, 'status'), 'append-status'),
  table('journal-events', ['seq', 'time', 'e', 'p']),
);
page.append(
  card(
    'Journals',
    form('journal-create-form', [input('journal-name', 'new journal name')], 'Create'),
    withId(el('p', undefined, 'status'), 'journal-create-status'),
    table('journals-list', ['name', 'writer', 'head', 'head hash', 'sync', '']),
    form(
      'journal-open-form',
      [input('journal-open-id', 'journal id: <writer hex>/<name>', 'grow mono')],
      'View',
    ),
  ),
  viewer,
);
$('append-form').hidden = true;

let viewing;
let followAbort;
let list = { journals: [], sync: [] };

const idPath = (id) => `/v1/journals/${encodeURIComponent(id)}`;

function lagOf(x, sync) {
  const s = sync.get(x.id);
  if (x.own) return { text: 'own', lag: 0 };
  if (!s?.peer) return { text: 'waiting for a peer', lag: 0 };
  const lag = Math.max(0, (s.advertised ?? 0) - x.to);
  const from = alias.get(s.peer) || short(s.peer, 10);
  return { text: lag > 0 ? `following ${from}, ${lag} behind` : `following ${from}, in sync`, lag };
}

/** Sum of the follower lag over every followed journal (for the charts). */
export function journalsLag() {
  const sync = new Map((list.sync ?? []).map((s) => [s.journal, s]));
  return list.journals.reduce((s, x) => s + lagOf(x, sync).lag, 0);
}

function renderList() {
  const sync = new Map((list.sync ?? []).map((s) => [s.journal, s]));
  const rows = [...list.journals].sort((a, b) => Number(b.own) - Number(a.own) || a.id.localeCompare(b.id));
  $('journals-list').replaceChildren(
    ...rows.map((x) => {
      const tr = row([
        el('td', x.name),
        mono(short(x.writer, 8), x.writer),
        String(x.to),
        mono(short(x.hash, 12), x.hash),
        lagOf(x, sync).text,
        el('td'),
      ]);
      tr.dataset.journal = x.id;
      tr.lastChild.append(button('View', () => view(x.id), 'small'));
      return tr;
    }),
  );
}

function eventRow(ev) {
  const p = ev.e === undefined ? `(${ev.payload?.length ?? 0} base64 chars)` : JSON.stringify(ev.p ?? null);
  const tr = row([String(ev.seq), new Date(ev.time).toLocaleString(), mono(ev.e ?? '(bytes)'), mono(p)]);
  tr.dataset.seq = String(ev.seq);
  return tr;
}

/** Shows a journal's events from a little before its head, then follows it live. */
async function view(id) {
  followAbort?.abort();
  const ctl = new AbortController();
  followAbort = ctl;
  viewing = id;
  const info = list.journals.find((x) => x.id === id);
  viewTitle.textContent = `Events of ${info?.name ?? id.split('/').slice(1).join('/')}`;
  $('append-form').hidden = !info?.own;
  $('journal-events').replaceChildren();
  const note = $('journal-view-note');
  note.className = 'note';
  note.textContent = 'loading…';
  const from = Math.max(1, (info?.to ?? 0) - BACK + 1);
  try {
    await sse(
      `${idPath(id)}/follow?from=${from}`,
      (event, d) => {
        const tbody = $('journal-events');
        if (event === 'event') {
          tbody.prepend(eventRow(d));
          while (tbody.children.length > SHOWN) tbody.lastChild.remove();
          note.textContent = `following live · head ${d.seq}`;
        } else if (event === 'snapshot') {
          note.textContent = `snapshot up to ${d.upTo}, following live`;
        } else if (event === 'error') {
          note.textContent = `stream ended: ${d.code}`;
        }
      },
      { signal: ctl.signal, onOpen: () => (note.textContent = 'following live') },
    );
  } catch (err) {
    if (ctl.signal.aborted) return;
    say(note, err);
    return;
  }
  if (!ctl.signal.aborted) note.textContent = 'the stream ended';
}

$('journal-create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const j = await api('/v1/journals', { method: 'POST', body: { name: $('journal-name').value.trim() } });
    say('journal-create-status', null, `created ${j.name}: ${j.id}`);
    $('journal-name').value = '';
    await journalsPage.refresh();
    view(j.id);
  } catch (err) {
    say('journal-create-status', err);
  }
});

$('journal-open-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = $('journal-open-id').value.trim();
  if (id) view(id);
});

$('append-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const text = $('append-p').value.trim();
    const body = { e: $('append-e').value.trim(), p: text === '' ? null : JSON.parse(text) };
    const ev = await api(`${idPath(viewing)}/events`, { method: 'POST', body });
    say('append-status', null, `appended #${ev.seq}`);
    $('append-p').value = '';
  } catch (err) {
    say(
      'append-status',
      err.name === 'SyntaxError' ? new Error(`the payload is not JSON: ${err.message}`) : err,
    );
  }
});

export const journalsPage = {
  show() {
    journalsPage.refresh().catch((err) => say('journal-create-status', err));
  },
  hide() {
    followAbort?.abort();
    followAbort = undefined;
  },
  async refresh() {
    list = await api('/v1/journals');
    renderList();
  },
};
