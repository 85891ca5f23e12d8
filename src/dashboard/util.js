// Shared helpers of the dashboard pages: the authorised API client, a server-sent events reader,
// DOM builders and readable figures. Data only ever goes through textContent.

const KEY = 'murmur-api-token';

/** The API token of this tab (sessionStorage), read and written by app.js. */
export const session = {
  token: sessionStorage.getItem(KEY),
  set(t) {
    this.token = t;
    if (t) sessionStorage.setItem(KEY, t);
    else sessionStorage.removeItem(KEY);
  },
};

export const $ = (id) => document.getElementById(id);

/** An API error: the route's `{error: {code, message}}`. */
export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * Calls an API route with the token. `body`: an object is sent as JSON; `raw: true` returns the
 * Response itself (for downloads).
 */
export async function api(path, { method = 'GET', body, raw = false, signal } = {}) {
  const headers = { authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (raw && res.ok) return res;
  const data = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new ApiError(data?.error?.message ?? `HTTP ${res.status}`, data?.error?.code, res.status);
  return data;
}

/**
 * Reads a server-sent events route with fetch (EventSource cannot send the Authorization header):
 * calls onEvent(event, data) per event until the stream ends or `signal` aborts. Rejects on an HTTP error.
 */
export async function sse(path, onEvent, { signal, onOpen } = {}) {
  const res = await fetch(path, {
    headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' },
    signal,
  });
  if (!res.ok || !res.body) {
    const data = await res.json().catch(() => ({}));
    throw new ApiError(data?.error?.message ?? `HTTP ${res.status}`, data?.error?.code, res.status);
  }
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i = buf.indexOf('\n\n');
    while (i !== -1) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      i = buf.indexOf('\n\n');
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

/** A table row of cells: strings/numbers become <td>, elements are appended as they are. */
export function row(cells) {
  const tr = el('tr');
  for (const c of cells) tr.append(typeof c === 'string' || typeof c === 'number' ? el('td', c) : c);
  return tr;
}

export function mono(text, title) {
  const td = el('td', text, 'mono');
  if (title) td.title = title;
  return td;
}

export function button(text, onClick, className) {
  const b = el('button', text, className);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

export const short = (hex, n = 12) =>
  typeof hex === 'string' && hex.length > n + 1 ? `${hex.slice(0, n)}…` : (hex ?? '-');

/** Bytes as B / KiB / MiB / GiB with one decimal. */
export function size(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n ?? 0);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Bytes per second, humanised. */
export const rate = (bps) => `${size(Math.round(bps))}/s`;

/** A count with thousands separators. */
export const count = (n) => Number(n ?? 0).toLocaleString('en');

export function ago(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/** Time until `ms` (unix ms): "in 42s", "in 3m". */
export function until(ms) {
  const s = Math.max(0, Math.round((ms - Date.now()) / 1000));
  if (s < 60) return `in ${s}s`;
  if (s < 3600) return `in ${Math.round(s / 60)}m`;
  return `in ${Math.round(s / 3600)}h`;
}

/** Shows the outcome of an action in a status line: ok text, or the error's code and message. */
export function say(target, err, okText) {
  const node = typeof target === 'string' ? $(target) : target;
  if (err) {
    node.textContent = err.code ? `${err.code}: ${err.message}` : err.message;
    node.className = 'status error';
  } else {
    node.textContent = okText ?? 'done';
    node.className = 'status ok';
  }
}

/**
 * Parses the node's counters (`name{label=value,…}` → number) into
 * `{name, labels, value}` items.
 */
export function parseCounters(counters) {
  return Object.entries(counters ?? {}).map(([key, value]) => {
    const m = /^([^{]+)\{(.*)\}$/.exec(key);
    const name = m ? m[1] : key;
    const labels = {};
    for (const part of (m ? m[2] : '').split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      labels[k] = v;
    }
    return { name, labels, value: Number(value) };
  });
}

/** Bytes per protocol and direction from the counters: Map protocol → {in, out}. */
export function protocolBytes(counters) {
  const by = new Map();
  for (const c of parseCounters(counters)) {
    if (c.name !== 'murmur_protocol_bytes_total') continue;
    const p = by.get(c.labels.protocol) ?? { in: 0, out: 0 };
    p[c.labels.direction === 'in' ? 'in' : 'out'] += c.value;
    by.set(c.labels.protocol, p);
  }
  return by;
}
