import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { API_INFO_FILE, API_TOKEN_FILE } from '../config/constants.ts';
import { writeSecretFile } from '../crypto/secret-file.ts';
import { MurmurError } from '../errors/index.ts';
import { MAX_INFO_FILE_BYTES, TOKEN_BYTES } from './constants.ts';

/** What a running daemon writes into <data>/api.json. */
export interface ApiInfo {
  url: string;
  pid: number;
}

/** Creates the data folder (0700) if needed. */
export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new MurmurError('MURMUR_IO', `cannot create data folder ${dataDir}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Returns the API token of a data folder, generating it (0600) at first use. */
export async function ensureApiToken(dataDir: string): Promise<string> {
  const path = join(dataDir, API_TOKEN_FILE);
  const existing = await readApiToken(dataDir).catch(() => undefined);
  if (existing !== undefined) {
    await chmod(path, 0o600).catch(() => {});
    return existing;
  }
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  // exclusive: a node starting at the same time may have written its own token first
  return (await writeSecretFile(path, `${token}\n`, { exclusive: true })) ? token : readApiToken(dataDir);
}

/** Reads <data>/api-token (MURMUR_NODE_NOT_RUNNING when there is none). */
export async function readApiToken(dataDir: string): Promise<string> {
  const text = await readSmall(join(dataDir, API_TOKEN_FILE));
  const token = text.trim();
  if (!/^[0-9a-f]{16,256}$/.test(token)) {
    throw new MurmurError(
      'MURMUR_API_UNAUTHORIZED',
      `${join(dataDir, API_TOKEN_FILE)} does not hold a valid token`,
    );
  }
  return token;
}

/** Writes <data>/api.json atomically (0600). */
export async function writeApiInfo(dataDir: string, info: ApiInfo): Promise<void> {
  await writeSecretFile(join(dataDir, API_INFO_FILE), `${JSON.stringify(info)}\n`);
}

/** Removes <data>/api.json if it still names this process. */
export async function removeApiInfo(dataDir: string, pid = process.pid): Promise<void> {
  const info = await readApiInfo(dataDir).catch(() => undefined);
  if (info !== undefined && info.pid !== pid) return;
  await rm(join(dataDir, API_INFO_FILE), { force: true });
}

/**
 * Reads <data>/api.json. MURMUR_NODE_NOT_RUNNING when absent or when its process is gone (a
 * stale file left by a crash); MURMUR_API_BAD_RESPONSE when garbled.
 */
export async function readApiInfo(dataDir: string): Promise<ApiInfo> {
  const path = join(dataDir, API_INFO_FILE);
  const text = await readSmall(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MurmurError('MURMUR_API_BAD_RESPONSE', `${path} is not valid JSON`);
  }
  const o = json as Partial<ApiInfo> | null;
  if (!o || typeof o.url !== 'string' || typeof o.pid !== 'number' || !/^http:\/\//.test(o.url)) {
    throw new MurmurError('MURMUR_API_BAD_RESPONSE', `${path} does not hold {url, pid}`);
  }
  if (!processAlive(o.pid)) {
    throw new MurmurError(
      'MURMUR_NODE_NOT_RUNNING',
      `no murmur node is running for ${dataDir} (stale api.json of process ${o.pid}); ${startHint(dataDir)}`,
      { details: { dataDir } },
    );
  }
  return { url: o.url, pid: o.pid };
}

/** How to start the node of a data folder. */
export function startHint(dataDir: string): string {
  return /(^|\/)\.murmur\/?$/.test(dataDir)
    ? 'start it with: npm start'
    : `start it with: murmur start --data ${dataDir}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readSmall(path: string): Promise<string> {
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_INFO_FILE_BYTES)
      throw new MurmurError('MURMUR_API_BAD_RESPONSE', `${path} is too large`);
    return buf.toString('utf8');
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const dir = path.replace(/\/[^/]+$/, '');
      throw new MurmurError(
        'MURMUR_NODE_NOT_RUNNING',
        `no murmur node is running for ${dir} (${path} is missing); ${startHint(dir)}`,
        { details: { dataDir: dir } },
      );
    }
    throw new MurmurError('MURMUR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
