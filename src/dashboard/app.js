// murmur dashboard: plain ES modules, no build step. Data only ever goes through textContent.
// Pages are hash routes (#overview, #peers, …); each page module has show() / hide() and refresh().
import { chartsPage } from './charts.js';
import { refreshData } from './data.js';
import { filesPage } from './files.js';
import { journalsPage } from './journals.js';
import { peersPage } from './peers.js';
import { traffic } from './traffic.js';
import { treesPage } from './trees.js';
import { $, api, count, el, session, sse } from './util.js';

let streamAbort;
let refreshTimer;
/** The data panels (trees, chunks, journals) are refreshed this often. */
const DATA_REFRESH_MS = 3000;
/** Status (and so the traffic rates) is sampled this often. */
const STATUS_REFRESH_MS = 2000;

/** Pages by hash; the overview is built in (its panels are data.js's). */
const PAGES = {
  overview: { show() {}, hide() {}, refresh() {} },
  peers: peersPage,
  trees: treesPage,
  journals: journalsPage,
  files: filesPage,
  charts: chartsPage,
};
let current = 'overview';

function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (m) {
    session.set(m[1]);
    history.replaceState(null, '', location.pathname);
  }
}

function uptime(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

/** Readable lines for the node's non-traffic counters (handshakes, refusals, strikes, discovery). */
const ACTIVITY = [
  ['murmur_handshakes_total', 'handshakes'],
  ['murmur_handshake_refusals_total', 'handshakes refused'],
  ['murmur_misbehaviour_strikes_total', 'strikes counted'],
  ['murmur_peers_discovered_total', 'peers heard of'],
];

function renderActivity(status) {
  const items = [];
  for (const [name, label] of ACTIVITY) {
    const parts = Object.entries(status.counters)
      .filter(([k]) => k.startsWith(`${name}{`))
      .map(([k, v]) => [
        k
          .slice(name.length + 1, -1)
          .replace(/(^|,)\w+=/g, '$1')
          .replace(/,/g, ' '),
        v,
      ]);
    const total = parts.reduce((s, [, v]) => s + v, 0);
    const detail = parts
      .filter(([l]) => l)
      .map(([l, v]) => `${l} ${count(v)}`)
      .join(' · ');
    items.push([label, detail ? `${count(total)} (${detail})` : count(total)]);
  }
  const messages = Object.entries(status.counters)
    .filter(([k]) => k.startsWith('murmur_protocol_messages_total{'))
    .reduce((s, [, v]) => s + v, 0);
  items.push(['protocol messages', count(messages)]);
  $('counters').replaceChildren(...items.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}

function renderStatus(s) {
  $('peer-id').textContent = s.peerId;
  $('node-name').textContent = s.peerId.slice(-8);
  $('overlay').textContent = s.overlay;
  $('network').textContent = s.networkId;
  $('uptime').textContent = uptime(s.uptimeMs);
  $('depth').textContent = String(s.depth);
  $('peer-counts').textContent = Object.entries(s.peers)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  $('addresses').replaceChildren(...s.addresses.map((a) => el('li', a)));
  const max = Math.max(1, ...s.bins);
  $('bins').replaceChildren(
    ...s.bins.map((n, i) => {
      const bin = el('div', undefined, i >= s.depth ? 'bin deep' : 'bin');
      bin.title = `bin ${i}: ${n} active peer(s)${i >= s.depth ? ' (neighbourhood)' : ''}`;
      const bar = el('div', undefined, 'bar');
      bar.style.height = `${(n / max) * 70}%`;
      // every fourth bin and the last are numbered (32 numbers do not fit a phone's width)
      bin.append(el('span', n || '', 'n'), bar, el('span', i % 4 === 0 || i === 31 ? i : '', 'i'));
      return bin;
    }),
  );
  traffic.sample(s);
  traffic.renderTable($('traffic'));
  renderActivity(s);
}

function logEvent(text) {
  const list = $('events');
  list.prepend(el('li', `${new Date().toLocaleTimeString()}  ${text}`));
  while (list.children.length > 200) list.lastChild.remove();
}

function unauthorised(err) {
  if (err?.code === 'MURMUR_API_UNAUTHORIZED') {
    showLogin(err.message);
    return true;
  }
  return false;
}

async function refresh() {
  try {
    const status = await api('/v1/status');
    renderStatus(status);
    // the peers table is kept current on every page (the overview's events name its peers)
    await Promise.all([
      peersPage.refresh(),
      chartsPage.sample(),
      current === 'peers' ? undefined : PAGES[current].refresh(),
    ]);
  } catch (err) {
    if (!unauthorised(err)) setLive(false);
  }
}

async function refreshDataPanels() {
  try {
    await refreshData(api);
  } catch (err) {
    unauthorised(err);
  }
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 200);
}

function setLive(on) {
  $('live').textContent = on ? 'live' : 'offline';
  $('live').className = on ? 'badge' : 'badge off';
}

async function follow() {
  streamAbort?.abort();
  streamAbort = new AbortController();
  const { signal } = streamAbort;
  try {
    await sse('/v1/events', handleEvent, { signal, onOpen: () => setLive(true) });
  } catch {
    // fall through to reconnect
  }
  setLive(false);
  if (!signal.aborted) setTimeout(follow, 2000);
}

function handleEvent(event, d) {
  if (event === 'status') return renderStatus(d);
  if (event === 'peer') logEvent(`peer ${d.peerId} → ${d.state}${d.reason ? ` (${d.reason})` : ''}`);
  if (event === 'depth') logEvent(`depth → ${d.depth}`);
  if (event === 'stopped') logEvent('node stopped');
  scheduleRefresh();
}

function pageOfHash() {
  const name = location.hash.replace(/^#/, '');
  return Object.hasOwn(PAGES, name) ? name : 'overview';
}

function showPage(name) {
  if (name !== current) PAGES[current].hide();
  current = name;
  for (const p of Object.keys(PAGES)) $(`page-${p}`).hidden = p !== name;
  for (const a of document.querySelectorAll('#tabs a')) {
    a.classList.toggle('on', a.dataset.page === name);
    a.hidden = !Object.hasOwn(PAGES, a.dataset.page);
  }
  PAGES[name].show();
}

function showLogin(message) {
  streamAbort?.abort();
  PAGES[current].hide();
  session.set(null);
  $('main').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  setLive(false);
}

async function showMain() {
  $('login').hidden = true;
  $('main').hidden = false;
  showPage(pageOfHash());
  await Promise.all([refresh(), refreshDataPanels()]);
  if (session.token) follow();
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  session.set($('token').value.trim());
  $('token').value = '';
  showMain();
});
$('logout').addEventListener('click', () => showLogin());
window.addEventListener('hashchange', () => {
  if (/token=/.test(location.hash)) {
    takeTokenFromFragment();
    return showMain();
  }
  if (session.token) showPage(pageOfHash());
});
setInterval(() => session.token && !$('main').hidden && refresh(), STATUS_REFRESH_MS);
setInterval(() => session.token && !$('main').hidden && refreshDataPanels(), DATA_REFRESH_MS);

takeTokenFromFragment();
if (session.token) showMain();
else showLogin();
