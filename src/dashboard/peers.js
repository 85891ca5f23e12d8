// Peers page: every known peer with a name of the user's (kept in localStorage), state, address,
// strikes, why and until when it is in lifesupport or purgatory, "forgive" (POST /v1/peers/:id/forgive),
// and connecting a peer by multiaddr (POST /v1/connect): the routes the CLI's `peers`/`connect` use.
import { traffic } from './traffic.js';
import { $, ago, api, button, el, mono, rate, say, short, size, until } from './util.js';

const ALIAS = 'murmur-alias:';
const ORDER = { active: 0, connecting: 1, lifesupport: 2, purgatory: 3 };

export const alias = {
  get: (peerId) => localStorage.getItem(ALIAS + peerId) ?? '',
  set(peerId, name) {
    if (name) localStorage.setItem(ALIAS + peerId, name);
    else localStorage.removeItem(ALIAS + peerId);
  },
};

/** The name input of a peer: saved on change (Enter or leaving the field). */
function nameCell(peerId) {
  const td = el('td');
  const input = el('input', undefined, 'alias');
  input.value = alias.get(peerId);
  input.placeholder = 'name…';
  input.setAttribute('aria-label', `name of ${peerId}`);
  input.addEventListener('change', () => alias.set(peerId, input.value.trim()));
  td.append(input);
  return td;
}

function note(p) {
  const parts = [];
  if (p.reason) parts.push(p.reason);
  if (p.nextAttemptAt) {
    const at = new Date(p.nextAttemptAt).toLocaleTimeString();
    parts.push(
      p.state === 'purgatory'
        ? `lifts ${until(p.nextAttemptAt)} (${at})`
        : `next try ${until(p.nextAttemptAt)} (${at})`,
    );
  }
  if (p.strikes > 0 && p.strikesDecayAt) parts.push(`a strike forgiven ${until(p.strikesDecayAt)}`);
  return parts.join(', ') || '-';
}

async function forgive(peerId) {
  try {
    const { peer } = await api(`/v1/peers/${encodeURIComponent(peerId)}/forgive`, { method: 'POST' });
    say('peers-status', null, `forgave ${alias.get(peerId) || short(peerId, 16)}: now ${peer.state}`);
  } catch (err) {
    say('peers-status', err);
  }
  await peersPage.refresh();
}

/** peerId → {t, in, out} of the previous sample, and the rates computed from it. */
const samples = new Map();

/** Rates in/out of a peer from its byte counters (bytesIn/bytesOut of GET /v1/peers) sampled over time. */
function rates(p) {
  const t = performance.now();
  const now = { t, in: p.bytesIn ?? 0, out: p.bytesOut ?? 0 };
  const last = samples.get(p.peerId);
  if (last && t - last.t < 500) return last.rates;
  const dt = last ? (t - last.t) / 1000 : 0;
  const r = last
    ? { in: Math.max(0, (now.in - last.in) / dt), out: Math.max(0, (now.out - last.out) / dt) }
    : undefined;
  samples.set(p.peerId, { ...now, rates: r });
  return r;
}

function rateCell(bps, total, what) {
  const td = el('td', bps === undefined ? '…' : rate(bps), 'rate');
  td.title = `${size(total ?? 0)} ${what} since the node started`;
  return td;
}

/** Is the user typing a name in the table (a refresh would reset the field)? */
const editing = () => document.activeElement?.classList?.contains('alias');

function render(peers) {
  peers.sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.peerId.localeCompare(b.peerId));
  const r = traffic.current();
  $('peers-rates').textContent =
    `${peers.length} known peer(s) · node traffic in ${rate(r.in)} · out ${rate(r.out)}`;
  const r2 = new Map(peers.map((p) => [p.peerId, rates(p)]));
  if (editing()) return;
  $('peers').replaceChildren(
    ...peers.map((p) => {
      const tr = el('tr');
      tr.dataset.peer = p.peerId;
      const actions = el('td');
      if (p.state === 'purgatory' || p.strikes > 0) {
        actions.append(button('Forgive', () => forgive(p.peerId), 'small'));
      }
      tr.append(
        nameCell(p.peerId),
        mono(p.peerId),
        el('td', p.state, `state-${p.state}`),
        el('td', p.po ?? '-'),
        el('td', ago(p.lastSeen)),
        rateCell(r2.get(p.peerId)?.in, p.bytesIn, 'received'),
        rateCell(r2.get(p.peerId)?.out, p.bytesOut, 'sent'),
        el('td', p.strikes),
        el('td', note(p)),
        mono(p.addresses[0] ?? '-', p.addresses.join('\n')),
        actions,
      );
      return tr;
    }),
  );
}

export const peersPage = {
  show() {},
  hide() {},
  async refresh() {
    const { peers } = await api('/v1/peers');
    render(peers);
  },
};

$('connect-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const addr = $('connect-addr').value.trim();
  say('connect-status', null, `connecting to ${addr}…`);
  try {
    const { peer } = await api('/v1/connect', { method: 'POST', body: { addr } });
    say('connect-status', null, `connected: ${peer.peerId} is ${peer.state}`);
    $('connect-addr').value = '';
  } catch (err) {
    say('connect-status', err);
  }
  await peersPage.refresh().catch(() => {});
});
