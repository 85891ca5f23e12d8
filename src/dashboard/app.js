// murmur dashboard: a plain ES module, no build step. Data only ever goes through textContent.
import { refreshData } from './data.js';

const KEY = 'murmur-api-token';
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(KEY);
let streamAbort;
let refreshTimer;
/** The data panels (trees, chunks, journals) are refreshed this often. */
const DATA_REFRESH_MS = 3000;

function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (m) {
    token = m[1];
    sessionStorage.setItem(KEY, token);
    history.replaceState(null, '', location.pathname);
  }
}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body?.error?.message ?? `HTTP ${res.status}`);
    err.code = body?.error?.code;
    throw err;
  }
  return body;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function ago(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function uptime(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

function renderStatus(s) {
  $('peer-id').textContent = s.peerId;
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
      bar.style.height = `${(n / max) * 80}%`;
      bin.append(el('span', n || ''), bar, el('span', i));
      return bin;
    }),
  );
  $('counters').replaceChildren(
    ...Object.entries(s.counters).map(([k, v]) => {
      const tr = el('tr');
      tr.append(el('td', k, 'mono'), el('td', v));
      return tr;
    }),
  );
}

const ORDER = { active: 0, connecting: 1, lifesupport: 2, purgatory: 3 };

function renderPeers(peers) {
  peers.sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.peerId.localeCompare(b.peerId));
  $('peers').replaceChildren(
    ...peers.map((p) => {
      const tr = el('tr');
      const note = [p.reason, p.nextAttemptAt ? `next ${new Date(p.nextAttemptAt).toLocaleTimeString()}` : '']
        .filter(Boolean)
        .join(', ');
      tr.append(
        el('td', p.peerId, 'mono'),
        el('td', p.state, `state-${p.state}`),
        el('td', p.po ?? '-'),
        el('td', ago(p.lastSeen)),
        el('td', p.strikes),
        el('td', note || '-'),
        el('td', p.addresses[0] ?? '-', 'mono'),
      );
      return tr;
    }),
  );
}

function logEvent(text) {
  const list = $('events');
  list.prepend(el('li', `${new Date().toLocaleTimeString()}  ${text}`));
  while (list.children.length > 200) list.lastChild.remove();
}

async function refresh() {
  try {
    const [status, peers] = await Promise.all([api('/v1/status'), api('/v1/peers')]);
    renderStatus(status);
    renderPeers(peers.peers);
  } catch (err) {
    if (err.code === 'MURMUR_API_UNAUTHORIZED') return showLogin(err.message);
    setLive(false);
  }
}

async function refreshDataPanels() {
  try {
    await refreshData(api);
  } catch (err) {
    if (err.code === 'MURMUR_API_UNAUTHORIZED') showLogin(err.message);
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

// Server-sent events read with fetch (EventSource cannot send the Authorization header).
async function follow() {
  streamAbort?.abort();
  streamAbort = new AbortController();
  try {
    const res = await fetch('/v1/events', {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: streamAbort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    setLive(true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i = buf.indexOf('\n\n');
      while (i !== -1) {
        handleBlock(buf.slice(0, i));
        buf = buf.slice(i + 2);
        i = buf.indexOf('\n\n');
      }
    }
  } catch {
    // fall through to reconnect
  }
  setLive(false);
  if (!streamAbort.signal.aborted) setTimeout(follow, 2000);
}

function handleBlock(block) {
  let event = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (!data) return;
  const d = JSON.parse(data);
  if (event === 'status') return renderStatus(d);
  if (event === 'peer') logEvent(`peer ${d.peerId} → ${d.state}${d.reason ? ` (${d.reason})` : ''}`);
  if (event === 'depth') logEvent(`depth → ${d.depth}`);
  if (event === 'stopped') logEvent('node stopped');
  scheduleRefresh();
}

function showLogin(message) {
  streamAbort?.abort();
  sessionStorage.removeItem(KEY);
  token = null;
  $('main').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  setLive(false);
}

async function showMain() {
  $('login').hidden = true;
  $('main').hidden = false;
  await Promise.all([refresh(), refreshDataPanels()]);
  if (token) follow();
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  $('token').value = '';
  sessionStorage.setItem(KEY, token);
  showMain();
});
$('logout').addEventListener('click', () => showLogin());
setInterval(() => token && !$('main').hidden && refresh(), 5000);
setInterval(() => token && !$('main').hidden && refreshDataPanels(), DATA_REFRESH_MS);

takeTokenFromFragment();
if (token) showMain();
else showLogin();
