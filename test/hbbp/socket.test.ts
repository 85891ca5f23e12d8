import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  encodeDatagram,
  generateKeyFiles,
  type HbbpListener,
  type HbbpReceived,
  KeyRing,
  listen,
  send,
} from '../../src/hbbp/index.ts';
import { sendRaw, tempDir, waitFor } from './helpers.ts';

const enc = new TextEncoder();
const tmp = tempDir();
after(tmp.cleanup);

async function start(extra: Partial<Parameters<typeof listen>[0]> = {}): Promise<{
  l: HbbpListener;
  port: number;
  got: HbbpReceived[];
}> {
  const got: HbbpReceived[] = [];
  const l = await listen({ port: 0, address: '::1', onMessage: (m) => void got.push(m), ...extra });
  return { l, port: l.address().port, got };
}

describe('hbbp send/listen (unicast on ::1)', () => {
  it('delivers key, payload and sender', async () => {
    const { l, port, got } = await start();
    try {
      await send({ iface: '', address: '::1', port, key: 'announce/peer', payload: enc.encode('hello') });
      await send({ iface: '', address: '::1', port, key: 'empty' });
      await waitFor(() => got.length === 2);
      assert.equal(got[0]!.key, 'announce/peer');
      assert.deepEqual(got[0]!.payload, enc.encode('hello'));
      assert.equal(got[0]!.from.address, '::1');
      assert.ok(got[0]!.from.port > 0);
      assert.equal(got[1]!.payload.length, 0);
      assert.equal(l.stats().delivered, 2);
    } finally {
      await l.close();
    }
  });

  it('with an iface, unscoped unicast senders are still heard (tests, LAN discovery)', async () => {
    const got: HbbpReceived[] = [];
    const l = await listen({ iface: 'lo', port: 0, onMessage: (m) => void got.push(m) });
    try {
      await send({
        iface: 'lo',
        address: '::1',
        port: l.address().port,
        key: 'announce',
        payload: enc.encode('a'),
      });
      await waitFor(() => got.length === 1);
      assert.equal(l.stats().dropped_iface, 0);
    } finally {
      await l.close();
    }
  });

  it('send validates before sending anything', async () => {
    const { l, port, got } = await start();
    try {
      await assert.rejects(
        send({ iface: '', address: '::1', port, key: 'k', payload: new Uint8Array(1231) }),
        { code: 'MURMUR_HBBP_TOO_LARGE' },
      );
      await assert.rejects(send({ iface: '', address: '::1', port, key: '../x' }), {
        code: 'MURMUR_HBBP_BAD_KEY',
      });
      await send({ iface: '', address: '::1', port, key: 'marker' });
      await waitFor(() => l.stats().received >= 1);
      assert.deepEqual(
        got.map((m) => m.key),
        ['marker'],
      );
      assert.equal(l.stats().received, 1);
    } finally {
      await l.close();
    }
  });

  it('drops and counts bad keys and oversize datagrams, never delivering them', async () => {
    const { l, port, got } = await start();
    try {
      for (const raw of ['/etc/passwd\0x', '..\0x', '\0x', 'a\nb\0x', 'a/../b'])
        await sendRaw(port, enc.encode(raw));
      await sendRaw(port, Uint8Array.of(0xc3, 0x28, 0));
      await sendRaw(port, new Uint8Array(1233).fill(0x61));
      await sendRaw(port, encodeDatagram('ok', enc.encode('y')));
      await waitFor(() => l.stats().received === 8);
      const s = l.stats();
      assert.equal(s.dropped_bad_key, 6);
      assert.equal(s.dropped_too_large, 1);
      assert.deepEqual(
        got.map((m) => m.key),
        ['ok'],
      );
    } finally {
      await l.close();
    }
  });

  it('rate-limits a flood from one sender', async () => {
    const { l, port, got } = await start({ rateLimit: { perSecond: 0.001, burst: 3 } });
    try {
      for (let i = 0; i < 10; i++) await sendRaw(port, encodeDatagram('flood', enc.encode(String(i))));
      await waitFor(() => l.stats().received === 10);
      assert.equal(l.stats().dropped_rate, 7);
      assert.equal(got.length, 3);
    } finally {
      await l.close();
    }
  });

  it('a throwing or rejecting onMessage is counted and the listener goes on', async () => {
    let n = 0;
    const { l, port } = await start({
      onMessage: (m) => {
        n++;
        if (m.key === 'throw') throw new Error('boom');
        if (m.key === 'reject') return Promise.reject(new Error('boom'));
      },
    });
    try {
      for (const k of ['throw', 'reject', 'fine']) await send({ iface: '', address: '::1', port, key: k });
      await waitFor(() => n === 3 && l.stats().handler_errors === 2);
    } finally {
      await l.close();
    }
  });

  it('encrypted: delivers authenticated, rejects replays, tampering, clear text when required', async () => {
    await generateKeyFiles(join(tmp.dir, 'keys', 'p2ptbl'));
    const keyring = await KeyRing.load(join(tmp.dir, 'keys'));
    const captured: Uint8Array[] = [];
    const { l, port, got } = await start({ keyring, requireEncryption: true });
    try {
      await send({ iface: '', address: '::1', port, key: 'p2ptbl/t', payload: enc.encode('rows'), keyring });
      await waitFor(() => got.length === 1);
      assert.deepEqual(got[0]!.payload, enc.encode('rows'));
      assert.equal(got[0]!.authenticated, true);

      // Capture one sealed datagram via a raw socket, then replay it and a tampered copy.
      const dgram = await import('node:dgram');
      const cap = dgram.createSocket('udp6');
      await new Promise<void>((r) => cap.bind(0, '::1', () => r()));
      cap.on('message', (b) => captured.push(new Uint8Array(b)));
      await send({
        iface: '',
        address: '::1',
        port: cap.address().port,
        key: 'p2ptbl/k',
        payload: enc.encode('once'),
        keyring,
      });
      await waitFor(() => captured.length === 1);
      cap.close();
      const sealed = captured[0]!;
      await sendRaw(port, sealed);
      await sendRaw(port, sealed);
      const tampered = new Uint8Array(sealed);
      tampered[tampered.length - 20]! ^= 0x01;
      await sendRaw(port, tampered);
      await sendRaw(port, encodeDatagram('p2ptbl/k', enc.encode('clear')));
      await sendRaw(port, encodeDatagram('other', enc.encode('clear')));
      await waitFor(() => l.stats().received === 6);
      const s = l.stats();
      assert.equal(s.delivered, 2, JSON.stringify(s));
      assert.equal(s.dropped_replay, 1);
      assert.equal(s.dropped_auth, 2, 'tampered, and clear text for a key that has a key set');
      assert.equal(s.dropped_plaintext, 1);
      assert.equal(got[1]!.key, 'p2ptbl/k');
      assert.deepEqual(got[1]!.payload, enc.encode('once'));
    } finally {
      await l.close();
    }
  });

  it('closes on abort and rejects an already aborted signal', async () => {
    const ac = new AbortController();
    const { l } = await start({ signal: ac.signal });
    ac.abort();
    await l.close();
    await assert.rejects(
      listen({ port: 0, address: '::1', onMessage: () => {}, signal: AbortSignal.abort() }),
      { code: 'MURMUR_ABORTED' },
    );
    await assert.rejects(send({ iface: '', address: '::1', key: 'k', signal: AbortSignal.abort() }), {
      code: 'MURMUR_ABORTED',
    });
  });
});
