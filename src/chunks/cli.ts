import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { MurmurError } from '../errors/index.ts';
import type { CliKit } from '../service/kind.ts';
import { registerPins } from './cli-pins.ts';

/** Options every client command takes. */
type CliFlags = { data?: string; json?: boolean };

/** Set by the register function: the CLI's helpers (client, output, error reporting). */
let kit: CliKit;

interface Api {
  url: string;
  token: string;
}

const apiFor = (flags: CliFlags): Promise<Api> => kit.endpoint(flags);

/** The node's error answer as a MurmurError with its code (any well-formed one: MURMUR_DISK_FULL too). */
async function failure(res: Response): Promise<MurmurError> {
  return kit.responseError(res.status, await res.text().catch(() => '')) as MurmurError;
}

const MiB = 1048576;

/** `1.5 s`, `42 s`, `3 m 05 s`, `1 h 02 m`: an ETA. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/**
 * One progress line: `put [#####.........] 42% 12.3 / 29.0 MiB  8.1 MiB/s  ETA 2.1 s` (no total: bytes
 * and rate only). `elapsedMs` since the transfer began.
 */
export function progressLine(
  label: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
): string {
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const rateText = `${(rate / MiB).toFixed(1)} MiB/s`;
  if (total === undefined || total <= 0) return `${label} ${(done / MiB).toFixed(1)} MiB  ${rateText}`;
  const frac = Math.min(1, done / total);
  const width = 24;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const eta = rate > 0 ? formatEta((total - done) / rate) : '--';
  return `${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${(done / MiB).toFixed(1)} / ${(total / MiB).toFixed(1)} MiB  ${rateText}  ETA ${eta}`;
}

/** A progress bar on stderr (total, rate, ETA), only when stderr is a terminal. */
export function progressBar(label: string, total: number | undefined): Transform {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let done = 0;
  let last = 0;
  const draw = (final: boolean): void => {
    if (!tty) return;
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    process.stderr.write(`\r${progressLine(label, done, total, now - started)}\x1b[K`);
    if (final) process.stderr.write('\n');
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      draw(false);
      cb(null, chunk);
    },
    flush(cb) {
      draw(true);
      cb();
    },
  });
}

/**
 * POSTs a byte stream with node:http(s) and `pipeline`, so a slow API pauses the file read (memory
 * stays at a few socket buffers). fetch was not used: with a stream body, undici (and
 * `Readable.toWeb`, which counts a byte stream's 64 KiB highWaterMark in pieces) read far ahead of the
 * socket, so the CLI's memory grew with the file. Resolves with the answer as a fetch Response.
 */
export async function postStream(url: string, token: string, body: Readable): Promise<Response> {
  const u = new URL(url);
  const { request } = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<Response>((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          resolve(new Response(status === 204 ? null : Buffer.concat(parts), { status }));
        });
      },
    );
    req.on('error', reject);
    pipeline(body, req).catch((err: unknown) => {
      req.destroy();
      reject(err);
    });
  });
}

async function put(file: string, flags: CliFlags & { pin?: boolean }): Promise<void> {
  const api = await apiFor(flags);
  const fromStdin = file === '-';
  const size = fromStdin ? undefined : await kit.inputFileSize(file);
  const source = fromStdin ? process.stdin : createReadStream(file);
  const body = source.pipe(progressBar('put', size));
  source.on('error', (err: Error) => body.destroy(err));
  // pinned unless --no-pin: a user's own upload is not evicted
  const res = await postStream(`${api.url}/v1/files?pin=${flags.pin !== false}`, api.token, body);
  if (!res.ok) throw await failure(res);
  const r = (await res.json()) as { root: string; span: string; chunks: number; pinned: boolean };
  if (flags.json) return kit.printJson(r);
  process.stdout.write(`${r.root}\n`);
}

async function get(addr: string, flags: CliFlags & { output?: string }): Promise<void> {
  if (!/^[0-9a-fA-F]{64}$/.test(addr)) {
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a file address is 64 hex digits');
  }
  const api = await apiFor(flags);
  const res = await fetch(`${api.url}/v1/files/${addr}`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  if (!res.ok || res.body === null) throw await failure(res);
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  const bar = progressBar('get', Number.isFinite(length) ? length : undefined);
  const input = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  const out = flags.output;
  if (out === undefined || out === '-') {
    await pipeline(input, bar, process.stdout);
    return;
  }
  // write to a temporary name, renamed only when the whole file arrived verified
  const tmp = `${out}.part`;
  try {
    await pipeline(input, bar, createWriteStream(tmp));
    const written = (await stat(tmp)).size;
    if (Number.isFinite(length) && written !== length) {
      throw new MurmurError('MURMUR_CHUNKS_BAD_FILE', `got ${written} of ${length} bytes`);
    }
    await rename(tmp, out);
    if (flags.json) kit.printJson({ root: addr.toLowerCase(), bytes: written, output: out });
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof MurmurError) throw err;
    throw new MurmurError('MURMUR_IO', `download failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `murmur put FILE|-` and `murmur get ADDR [-o FILE]`, through the running node's API; also
 * `murmur pin / unpin / pins` (src/cli/murmur/pins.ts).
 */
export function registerFiles(program: Command, cliKit: CliKit): void {
  kit = cliKit;
  kit
    .clientOptions(
      program
        .command('put')
        .argument('<file>', "file to upload, or '-' for standard input")
        .option('--no-pin', 'do not pin the upload (its chunks may then be evicted over capacity)')
        .description('split a file into chunks on the running node, pin it and print its root address'),
    )
    .action(kit.action(async (file: string, flags: CliFlags & { pin?: boolean }) => put(file, flags)));
  kit
    .clientOptions(
      program
        .command('get')
        .argument('<addr>', 'root address printed by murmur put')
        .option('-o, --output <file>', 'write to this file (default standard output)')
        .description('fetch a file from the network (local store first), verifying every chunk'),
    )
    .action(kit.action(async (addr: string, flags: CliFlags & { output?: string }) => get(addr, flags)));
  registerPins(program, cliKit);
}
