import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { openSse, type SseStream } from '../../src/http/sse.ts';

/** An HTTP server whose every request becomes an SSE stream tied to `stop`. */
async function sseServer(
  stop: AbortSignal,
): Promise<{ url: string; streams: SseStream[]; close(): Promise<void> }> {
  const streams: SseStream[] = [];
  const server = createServer((_req, res) => {
    streams.push(openSse(res, { signal: stop, heartbeatMs: 60_000 }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    streams,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects, waits for the first bytes, then goes away. */
async function connectAndLeave(url: string): Promise<void> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));
  await once(res, 'data');
  res.destroy();
}

test('a client that connects and leaves leaves no listener on the server stop signal', async () => {
  const stop = new AbortController();
  const srv = await sseServer(stop.signal);
  try {
    for (let i = 0; i < 50; i++) await connectAndLeave(srv.url);
    const closed = (): boolean => srv.streams.every((s) => s.closed);
    while (!closed()) await new Promise((r) => setImmediate(r));
    assert.equal(srv.streams.length, 50);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  } finally {
    await srv.close();
  }
});

test('stopping the server closes every open stream', async () => {
  const stop = new AbortController();
  const srv = await sseServer(stop.signal);
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(srv.url, resolve).on('error', reject),
    );
    await once(res, 'data');
    const ended = once(res, 'end');
    stop.abort();
    await ended;
    assert.equal(srv.streams[0]?.closed, true);
    assert.equal(srv.streams[0]?.send('x', 1), false);
  } finally {
    await srv.close();
  }
});

test('a stream opened after the stop signal fired is closed at once', async () => {
  const stop = new AbortController();
  stop.abort();
  const srv = await sseServer(stop.signal);
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(srv.url, resolve).on('error', reject),
    );
    res.resume();
    await once(res, 'end');
    assert.equal(srv.streams[0]?.closed, true);
  } finally {
    await srv.close();
  }
});
