import type { ServerResponse } from 'node:http';
import { SSE_HEARTBEAT_MS } from './constants.ts';

/** One server-sent events stream; created by `openSse`. */
export interface SseStream {
  /** Sends one event (`data` is JSON-encoded). Returns false once closed. */
  send(event: string, data: unknown, id?: string): boolean;
  /** Sends a comment line (ignored by clients; keeps proxies and idle timers awake). */
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  /** Fires when the client disconnects or close() is called. */
  readonly signal: AbortSignal;
}

/**
 * Starts a server-sent events response: headers, a heartbeat comment every `heartbeatMs`, cleanup
 * when the client goes away. Event data is JSON on one line.
 */
export function openSse(
  res: ServerResponse,
  options: { heartbeatMs?: number; signal?: AbortSignal } = {},
): SseStream {
  const ac = new AbortController();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const timer = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? SSE_HEARTBEAT_MS);
  timer.unref();
  const close = (): void => {
    if (ac.signal.aborted) return;
    clearInterval(timer);
    // the server's stop signal outlives every stream: a listener left on it would keep each closed
    // stream (response, socket, closure) alive until the server stops
    options.signal?.removeEventListener('abort', close);
    ac.abort();
    if (!res.writableEnded) res.end();
  };
  const write = (text: string): boolean => {
    if (ac.signal.aborted || res.writableEnded || res.destroyed) return false;
    res.write(text);
    return true;
  };
  res.on('close', close);
  if (options.signal?.aborted === true) close();
  else options.signal?.addEventListener('abort', close, { once: true });
  write(': connected\n\n');
  return {
    send(event, data, id) {
      const idLine = id === undefined ? '' : `id: ${id.replace(/[\r\n]/g, '')}\n`;
      return write(`${idLine}event: ${event.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
    },
    close,
    get closed() {
      return ac.signal.aborted;
    },
    signal: ac.signal,
  };
}

/** One parsed server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser of an event stream (used by the client): feed text, get complete events. */
export class SseParser {
  #buffer = '';
  #maxBuffer: number;

  constructor(maxBuffer = 1024 * 1024) {
    this.#maxBuffer = maxBuffer;
  }

  push(text: string): SseEvent[] {
    this.#buffer += text.replace(/\r\n?/g, '\n');
    const out: SseEvent[] = [];
    let idx = this.#buffer.indexOf('\n\n');
    while (idx !== -1) {
      const block = this.#buffer.slice(0, idx);
      this.#buffer = this.#buffer.slice(idx + 2);
      const ev = parseBlock(block);
      if (ev) out.push(ev);
      idx = this.#buffer.indexOf('\n\n');
    }
    if (this.#buffer.length > this.#maxBuffer) this.#buffer = '';
    return out;
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  let id: string | undefined;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i === -1 ? line : line.slice(0, i);
    const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  if (data.length === 0) return undefined;
  return id === undefined ? { event, data: data.join('\n') } : { event, data: data.join('\n'), id };
}
