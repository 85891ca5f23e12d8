// Trees page: pick a tree, browse its keys with signer and time (watched live through the SSE route
// GET /v1/trees/:root/list?watch=1), put and delete a key, list grants and revocations, grant and revoke,
// join a tree: the same /v1/trees routes the CLI's `kv`, `tree`, `grant(s)` and `revoke` use.
import { alias } from './peers.js';
import { $, api, button, el, mono, row, say, short, sse } from './util.js';

let selected;
/** The root the open watch stream follows. */
let watching;
let watchAbort;
/** key → entry view of the selected tree, as the watch stream told it. */
let entries = new Map();
let trees = { trees: [] };

const page = $('page-trees');
page.append(
  card(
    'Tree',
    el('div', undefined, 'row'),
    form('join-form', [input('join-root', 'root public key (64 hex)', 'grow mono')], 'Join'),
    el('p', undefined, 'status'),
  ),
  card(
    'Put a key',
    form('put-form', [input('put-key', '/key', 'mono'), input('put-value', 'value (text)', 'grow')], 'Put'),
    el('p', undefined, 'status'),
  ),
  card('Keys', el('p', undefined, 'note'), table('tree-keys', ['key', 'value', 'signer', 'time', ''])),
  card(
    'Grants',
    table('tree-grants', ['grant', 'pattern', 'to', 'subgrant', 'expires', 'state', '']),
    form(
      'grant-form',
      [
        input('grant-to', 'to: public key (64 hex)', 'grow mono'),
        input('grant-pattern', 'pattern, e.g. /users/*', 'mono'),
        checkbox('grant-subgrant', 'may sub-grant'),
      ],
      'Grant',
    ),
    el('p', undefined, 'status'),
  ),
);
const [treeCard, putCard, keysCard, grantsCard] = page.children;
const picker = el('select');
picker.id = 'tree-pick';
picker.setAttribute('aria-label', 'tree');
treeCard
  .querySelector('.row')
  .append(el('span', 'tree', 'muted'), picker, el('span', '', 'muted live-state'));
treeCard.querySelector('p.status').id = 'join-status';
putCard.querySelector('p.status').id = 'put-status';
keysCard.querySelector('p.note').id = 'keys-note';
grantsCard.querySelector('p.status').id = 'grant-status';

function card(title, ...children) {
  const c = el('section', undefined, 'card');
  c.append(el('h2', title), ...children);
  return c;
}

function input(id, placeholder, className) {
  const i = el('input', undefined, className);
  i.id = id;
  i.placeholder = placeholder;
  i.setAttribute('aria-label', placeholder);
  return i;
}

function checkbox(id, label) {
  const l = el('label');
  const i = el('input');
  i.type = 'checkbox';
  i.id = id;
  l.append(i, ` ${label}`);
  return l;
}

function form(id, fields, submit) {
  const f = el('form', undefined, 'inline');
  f.id = id;
  const b = el('button', submit);
  b.type = 'submit';
  f.append(...fields, b);
  return f;
}

function table(id, heads) {
  const wrap = el('div', undefined, 'scroll');
  const t = el('table');
  const tr = el('tr');
  tr.append(...heads.map((h) => el('th', h)));
  const thead = el('thead');
  thead.append(tr);
  const tbody = el('tbody');
  tbody.id = id;
  t.append(thead, tbody);
  wrap.append(t);
  return wrap;
}

/** The key's URL path: each segment encoded; `.` and `..` refused (the browser would resolve them). */
function keyPath(key) {
  const segs = key.replace(/^\//, '').split('/');
  if (!key.startsWith('/') || segs.some((s) => s === '.' || s === '..' || s === '')) {
    const err = new Error(`a key is /segment/… without empty, "." or ".." segments: ${key}`);
    err.code = 'MURMUR_TREE_BAD_PATH';
    throw err;
  }
  return segs.map(encodeURIComponent).join('/');
}

const rootPath = () => `/v1/trees/${selected}`;

const who = (hex) => (hex === trees.nodeKey ? 'this node' : short(hex, 10));

function renderKeys() {
  const live = [...entries.values()].filter((e) => !e.deleted).sort((a, b) => a.key.localeCompare(b.key));
  const deleted = entries.size - live.length;
  $('keys-note').textContent = `${live.length} key(s)${deleted ? `, ${deleted} deleted` : ''}`;
  $('tree-keys').replaceChildren(
    ...live.map((e) => {
      const tr = row([
        mono(e.key),
        el('td', e.value ?? `(binary, ${e.base64.length} base64 chars)`),
        mono(who(e.signer), e.signer),
        el('td', new Date(e.time).toLocaleString(), undefined),
        el('td'),
      ]);
      tr.dataset.key = e.key;
      tr.lastChild.append(button('Delete', () => del(e.key), 'small'));
      return tr;
    }),
  );
}

async function del(key) {
  try {
    await api(`${rootPath()}/kv/${keyPath(key)}`, { method: 'DELETE' });
    say('put-status', null, `deleted ${key}`);
  } catch (err) {
    say('put-status', err);
  }
}

async function refreshGrants() {
  if (!selected) return;
  const { grants } = await api(`${rootPath()}/grants`);
  $('tree-grants').replaceChildren(
    ...grants.map((g) => {
      const tr = row([
        mono(short(g.id, 10), g.id),
        mono(g.pattern),
        mono(alias.get(g.issuee) || who(g.issuee), g.issuee),
        g.subgrant ? 'yes' : 'no',
        g.expiresAt ? new Date(g.expiresAt).toLocaleString() : 'never',
        el('td', g.revoked ? 'revoked' : 'valid', g.revoked ? 'state-purgatory' : 'state-active'),
        el('td'),
      ]);
      tr.dataset.grant = g.id;
      if (!g.revoked) tr.lastChild.append(button('Revoke', () => revoke(g.id), 'small'));
      return tr;
    }),
  );
}

async function revoke(id) {
  try {
    await api(`${rootPath()}/revocations`, { method: 'POST', body: { grant: id } });
    say('grant-status', null, `revoked ${short(id, 10)}`);
  } catch (err) {
    say('grant-status', err);
  }
  await refreshGrants().catch(() => {});
}

/** Follows the selected tree's keys live until the page is left or another tree is picked. */
async function watch() {
  watchAbort?.abort();
  const ctl = new AbortController();
  watchAbort = ctl;
  entries = new Map();
  const state = treeCard.querySelector('.live-state');
  state.textContent = 'loading…';
  let tail = false;
  try {
    await sse(
      `${rootPath()}/list?watch=1`,
      (event, d) => {
        if (event === 'tail') {
          tail = true;
          state.textContent = 'watching live';
        } else if (event === 'entry') {
          if (d.entry === null) entries.delete(d.key);
          else entries.set(d.key, d.entry);
        }
        if (tail) renderKeys();
      },
      { signal: ctl.signal },
    );
  } catch (err) {
    if (ctl.signal.aborted) return;
    state.textContent = `not watching: ${err.message}`;
    return;
  }
  if (!ctl.signal.aborted) {
    state.textContent = 'reconnecting…';
    setTimeout(() => watchAbort === ctl && watch(), 2000);
  }
}

function select(root) {
  picker.value = root;
  if (root === watching && watchAbort && !watchAbort.signal.aborted) return;
  selected = root;
  watching = root;
  watch();
  refreshGrants().catch(() => {});
}

async function refreshTrees() {
  trees = await api('/v1/trees');
  const list = [...trees.trees].sort(
    (a, b) =>
      Number(b.root === trees.default) - Number(a.root === trees.default) || a.root.localeCompare(b.root),
  );
  const roots = list.map((t) => t.root);
  const have = [...picker.options].map((o) => o.value);
  if (roots.join() !== have.join()) {
    picker.replaceChildren(
      ...list.map((t) => {
        const o = el(
          'option',
          `${short(t.root, 16)}${t.root === trees.default ? ' (default)' : ''} · ${t.records} record(s)`,
        );
        o.value = t.root;
        return o;
      }),
    );
  }
  if (!selected || !roots.includes(selected)) selected = undefined;
  const next = selected ?? roots[0];
  if (next) select(next);
}

picker.addEventListener('change', () => select(picker.value));

$('put-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('put-key').value.trim();
  try {
    const entry = await api(`${rootPath()}/kv/${keyPath(key)}`, {
      method: 'PUT',
      body: { value: $('put-value').value },
    });
    say('put-status', null, `put ${entry.key}`);
    $('put-value').value = '';
  } catch (err) {
    say('put-status', err);
  }
});

$('join-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const root = $('join-root').value.trim().toLowerCase();
  try {
    await api('/v1/trees', { method: 'POST', body: { root } });
    $('join-root').value = '';
    await refreshTrees();
    select(root);
    say('join-status', null, `joined ${short(root, 16)}`);
  } catch (err) {
    say('join-status', err);
  }
});

$('grant-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const g = await api(`${rootPath()}/grants`, {
      method: 'POST',
      body: {
        to: $('grant-to').value.trim(),
        pattern: $('grant-pattern').value.trim(),
        subgrant: $('grant-subgrant').checked,
      },
    });
    say('grant-status', null, `granted ${g.pattern} (${short(g.id, 10)})`);
  } catch (err) {
    say('grant-status', err);
  }
  await refreshGrants().catch(() => {});
});

export const treesPage = {
  show() {
    refreshTrees().catch((err) => say('join-status', err));
  },
  hide() {
    watchAbort?.abort();
    watchAbort = undefined;
  },
  async refresh() {
    await refreshTrees();
    await refreshGrants();
  },
};
