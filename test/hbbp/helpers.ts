/** Shared helpers of the hbbp tests. */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MurmurError } from '../../src/errors/index.ts';

/** Sends raw bytes to [::1]:port (bypassing all validation). */
export async function sendRaw(port: number, bytes: Uint8Array, address = '::1'): Promise<void> {
  const s = dgram.createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) =>
      s.send(bytes, port, address, (e) => (e ? reject(e) : resolve())),
    );
  } finally {
    s.close();
  }
}

/** Polls `cond` every 10 ms until true; fails after `ms` (generous: a loaded CI machine is slow). */
export async function waitFor(cond: () => boolean, ms = 30_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'hbbp-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn`; it must throw a MurmurError with one of `codes` or return. Anything else fails. */
export function typedOrResult<T>(fn: () => T, codes: readonly string[]): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MurmurError && codes.includes(err.code)) return undefined;
    throw err;
  }
}
