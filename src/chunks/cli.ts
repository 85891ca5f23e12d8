import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ERROR_CODES, type ErrorCode, MurmurError } from '../errors/index.ts';
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

async function failure(res: Response): Promise<MurmurError> {
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  const code = body.error?.code;
  // any well-formed code the node answers (as the API client does): the store's MURMUR_DISK_FULL too
  const known = code !== undefined && (code in ERROR_CODES || /^MURMUR_[A-Z0-9_]+$/.test(code));
  return new MurmurError(
    known ? (code as ErrorCode) : 'MURMUR_IO',
    body.error?.message ?? `HTTP ${res.status}`,
    { details: { status: res.status } },
  );
}

/** A progress bar on stderr, only when stderr is a terminal. */
export function progressBar(label: string, total: number | undefined): Transform {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let last = 0;
  const draw = (final: boolean): void => {
    if (!tty) return;
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    const mib = (done / 1048576).toFixed(1);
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, done / total);
      const width = 30;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      process.stderr.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0)}% ${mib} MiB`);
    } else {
      process.stderr.write(`\r${label} ${mib} MiB`);
    }
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
  const size = fromStdin ? undefined : (await stat(file)).size;
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
