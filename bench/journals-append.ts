/**
 * Journal append rate on LevelDB (classic-level, temp folder): single appends (one signature and one
 * batch write each) and batched appends (one signature per ≤1024 events), next to raw LevelDB batched
 * writes of the same bytes under the same keys. Also the verification rate of received segments.
 * `JOURNAL_APPEND_EVENTS=n` (default 100000), `JOURNAL_APPEND_SINGLE=n` (default 10000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { batchMessage, decodeItem, encodeSegmentItem } from '../src/journals/event.ts';
import { parseJournalId } from '../src/journals/id.ts';
import { Journals } from '../src/journals/journals.ts';
import { generateWriter, verifySignature } from '../src/journals/keys.ts';

export async function run(): Promise<Record<string, unknown>> {
  const n = Number(process.env.JOURNAL_APPEND_EVENTS ?? 100_000);
  const single = Number(process.env.JOURNAL_APPEND_SINGLE ?? 10_000);
  const size = 100;
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  const db = new ClassicLevel<string, Uint8Array>(join(dir, 'j'), { valueEncoding: 'view' });
  const raw = new ClassicLevel<string, Uint8Array>(join(dir, 'raw'), { valueEncoding: 'view' });
  try {
    const writer = generateWriter();
    const j = new Journals({ db, writer, dir: join(dir, 'logs') });
    await j.start();
    const payloads = Array.from({ length: n }, () => new Uint8Array(randomBytes(size)));

    const s = (await j.create('single')).id;
    const t0 = performance.now();
    for (let i = 0; i < single; i++) await j.append(s, payloads[i]!);
    const singleMs = performance.now() - t0;

    const b = (await j.create('batched')).id;
    const t1 = performance.now();
    for (let i = 0; i < n; i += 1000) await j.appendBatch(b, payloads.slice(i, i + 1000));
    const batchMs = performance.now() - t1;

    // raw LevelDB: the same stored records under the same keys, 1000 per batch
    const recs = await j.store.segments(b, 1, n, 1e6, Number.POSITIVE_INFINITY);
    const all = recs.flatMap((r) => r.records);
    const t2 = performance.now();
    for (let i = 0; i < all.length; i += 1000) {
      const batch = raw.batch();
      for (let k = i; k < Math.min(i + 1000, all.length); k++)
        batch.put(`e!${b}!${k.toString(16).padStart(16, '0')}`, all[k]!);
      await batch.write();
    }
    const rawMs = performance.now() - t2;

    // verification: decode + hash chain + one signature per segment
    const items = recs.map((r) => ({ bytes: encodeSegmentItem(r.records) }));
    const parsed = parseJournalId(b);
    const t3 = performance.now();
    let verified = 0;
    for (const it of items) {
      const seg = decodeItem(it.bytes);
      if (seg.type !== 'segment') throw new Error('bad');
      const last = seg.events.at(-1)!;
      if (
        !verifySignature(parsed.writer, batchMessage(parsed, last.sigFirst!, last.seq, last.hash), last.sig!)
      ) {
        throw new Error('verification failed');
      }
      verified += seg.events.length;
    }
    const verifyMs = performance.now() - t3;
    const t4 = performance.now();
    const sigs = 2000;
    const msg = batchMessage(parsed, 1, 1, new Uint8Array(32));
    const sig = writer.sign(msg);
    for (let i = 0; i < sigs; i++) verifySignature(writer.publicKey, msg, sig);
    const sigMs = performance.now() - t4;
    await j.stop();
    const bytes = n * size;
    return {
      event_bytes: size,
      single_appends: single,
      single_events_per_s: Math.round(single / (singleMs / 1000)),
      batched_events: n,
      batched_events_per_s: Math.round(n / (batchMs / 1000)),
      batched_mb_per_s: +(bytes / 1e6 / (batchMs / 1000)).toFixed(1),
      raw_leveldb_events_per_s: Math.round(all.length / (rawMs / 1000)),
      batched_vs_raw: +(rawMs / batchMs).toFixed(2),
      verify_events_per_s: Math.round(verified / (verifyMs / 1000)),
      ed25519_verify_per_s: Math.round(sigs / (sigMs / 1000)),
      segments: items.length,
    };
  } finally {
    await Promise.all([db.close(), raw.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await run());
}
