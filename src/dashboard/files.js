// Files page: upload from the browser with progress (POST /v1/files, the request body streamed into
// chunks), download by root (GET /v1/files/:root, with progress and the SHA-256 of what arrived), pins
// with their size (GET|POST|DELETE /v1/chunks/pins[/:root]) and storage used of capacity
// (GET /v1/chunks): the routes the CLI's `put`, `get` and `pin(s)` use.
import { $, api, button, el, mono, row, say, session, short, size } from './util.js';

const page = $('page-files');

function card(title, ...children) {
  const c = el('section', undefined, 'card');
  c.append(el('h2', title), ...children);
  return c;
}

function withId(node, id) {
  node.id = id;
  return node;
}

const fileInput = withId(el('input'), 'upload-file');
fileInput.type = 'file';
fileInput.setAttribute('aria-label', 'file to upload');
const pinBox = withId(el('input'), 'upload-pin');
pinBox.type = 'checkbox';
pinBox.checked = true;
const pinLabel = el('label');
pinLabel.append(pinBox, ' pin (never evicted)');
const uploadForm = withId(el('form', undefined, 'inline'), 'upload-form');
const uploadButton = el('button', 'Upload');
uploadButton.type = 'submit';
uploadForm.append(fileInput, pinLabel, uploadButton);
const uploadMeter = withId(el('div', undefined, 'meter'), 'upload-meter');
uploadMeter.append(el('div'));
uploadMeter.hidden = true;

const rootInput = withId(el('input', undefined, 'grow mono'), 'download-root');
rootInput.placeholder = 'file root (64 hex)';
rootInput.setAttribute('aria-label', 'file root');
const downloadForm = withId(el('form', undefined, 'inline'), 'download-form');
const downloadButton = el('button', 'Download');
downloadButton.type = 'submit';
const pinButton = button('Pin', () => pinRoot(rootInput.value.trim()));
downloadForm.append(rootInput, downloadButton, pinButton);
const downloadMeter = withId(el('div', undefined, 'meter'), 'download-meter');
downloadMeter.append(el('div'));
downloadMeter.hidden = true;

const storageMeter = withId(el('div', undefined, 'meter'), 'storage-meter');
storageMeter.append(el('div'));

const pinsTable = el('div', undefined, 'scroll');
{
  const t = el('table');
  const thead = el('thead');
  const tr = el('tr');
  tr.append(...['root', 'chunks', 'size', 'state', ''].map((h) => el('th', h)));
  thead.append(tr);
  t.append(thead, withId(el('tbody'), 'pins'));
  pinsTable.append(t);
}

page.append(
  card('Storage', withId(el('p'), 'storage-line'), storageMeter),
  card('Upload', uploadForm, uploadMeter, withId(el('p', undefined, 'status'), 'upload-status')),
  card(
    'Download or pin by root',
    downloadForm,
    downloadMeter,
    withId(el('p', undefined, 'status'), 'download-status'),
  ),
  card('Pins', pinsTable, withId(el('p', undefined, 'status'), 'pins-status')),
);

/** Roots being pinned (fetched from the network first): shown as pending rows. */
const pending = new Set();

function meter(m, done, total) {
  m.hidden = false;
  m.firstChild.style.width = `${total ? Math.min(100, (done / total) * 100) : 0}%`;
}

async function refreshStorage() {
  const c = await api('/v1/chunks');
  const st = c.storage ?? {};
  const cap = st.capacityBytes;
  $('storage-line').textContent =
    `${size(st.usedBytes)} used of ${cap ? size(cap) : 'unlimited'}${cap ? ` (${((st.usedBytes / cap) * 100).toFixed(1)}%)` : ''} · ${st.chunks ?? 0} chunk(s), ${size(st.pinnedBytes ?? 0)} pinned`;
  meter(storageMeter, st.usedBytes ?? 0, cap ?? 0);
}

async function refreshPins() {
  const { pins } = await api('/v1/chunks/pins');
  const have = new Set(pins.map((p) => p.root));
  const rows = pins.map((p) => {
    const tr = row([mono(short(p.root, 16), p.root), String(p.chunks), size(p.bytes), 'complete', el('td')]);
    tr.dataset.root = p.root;
    tr.lastChild.append(button('Unpin', () => unpin(p.root), 'small'));
    return tr;
  });
  for (const r of pending) {
    if (have.has(r)) continue;
    const tr = row([mono(short(r, 16), r), '-', '-', 'fetching chunks…', '']);
    tr.dataset.root = r;
    rows.unshift(tr);
  }
  $('pins').replaceChildren(...rows);
}

async function pinRoot(root) {
  pending.add(root);
  await refreshPins().catch(() => {});
  try {
    const p = await api(`/v1/chunks/pins/${encodeURIComponent(root)}`, { method: 'POST' });
    say('pins-status', null, `pinned ${short(p.root, 16)}: ${p.chunks} chunk(s), ${size(p.bytes)}`);
  } catch (err) {
    say('pins-status', err);
  }
  pending.delete(root);
  await refreshPins().catch(() => {});
}

async function unpin(root) {
  try {
    await api(`/v1/chunks/pins/${encodeURIComponent(root)}`, { method: 'DELETE' });
    say('pins-status', null, `unpinned ${short(root, 16)}`);
  } catch (err) {
    say('pins-status', err);
  }
  await refreshPins().catch(() => {});
}

/** POST /v1/files with the file as the body; XMLHttpRequest for its upload progress events. */
function upload(file, pin) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/files${pin ? '?pin=true' : ''}`);
    xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      meter(uploadMeter, e.loaded, e.total || file.size);
      $('upload-status').className = 'status';
      $('upload-status').textContent = `sending ${size(e.loaded)} of ${size(file.size)}`;
    };
    xhr.onload = () => {
      const body = xhr.response ?? {};
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else {
        const err = new Error(body?.error?.message ?? `HTTP ${xhr.status}`);
        err.code = body?.error?.code;
        reject(err);
      }
    };
    xhr.onerror = () => reject(new Error('the upload failed (network)'));
    xhr.send(file);
  });
}

uploadForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = fileInput.files?.[0];
  if (!file) return say('upload-status', new Error('choose a file first'));
  uploadButton.disabled = true;
  try {
    const r = await upload(file, pinBox.checked);
    meter(uploadMeter, 1, 1);
    const status = $('upload-status');
    say(
      status,
      null,
      `stored ${file.name} (${size(Number(r.span))}, ${r.chunks} chunk(s)${r.pinned ? ', pinned' : ''}) · root `,
    );
    const root = el('code', r.root);
    root.id = 'upload-root';
    status.append(root);
  } catch (err) {
    say('upload-status', err);
  }
  uploadButton.disabled = false;
  await Promise.all([refreshPins(), refreshStorage()]).catch(() => {});
});

async function sha256Hex(blob) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

downloadForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const root = rootInput.value.trim().toLowerCase();
  downloadButton.disabled = true;
  try {
    if (!/^[0-9a-f]{64}$/.test(root)) {
      const err = new Error('a file root is 64 hex digits');
      err.code = 'MURMUR_INVALID_ARGUMENT';
      throw err;
    }
    const res = await api(`/v1/files/${root}`, { raw: true });
    const total = Number(res.headers.get('content-length') ?? 0);
    const reader = res.body.getReader();
    const parts = [];
    let got = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
      meter(downloadMeter, got, total);
      $('download-status').className = 'status';
      $('download-status').textContent = `received ${size(got)} of ${size(total)}`;
    }
    const blob = new Blob(parts, { type: 'application/octet-stream' });
    const a = el('a', 'save');
    a.href = URL.createObjectURL(blob);
    a.download = `${root.slice(0, 16)}.bin`;
    const status = $('download-status');
    say(status, null, `received ${size(blob.size)} · sha256 `);
    const digest = el('code', await sha256Hex(blob));
    digest.id = 'download-sha256';
    status.append(digest, ' · ', a);
  } catch (err) {
    say('download-status', err);
  }
  downloadButton.disabled = false;
});

export const filesPage = {
  show() {
    filesPage.refresh().catch((err) => say('pins-status', err));
  },
  hide() {},
  async refresh() {
    await Promise.all([refreshStorage(), refreshPins()]);
  },
};
