import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { writeSecretFile } from '../../src/crypto/secret-file.ts';
import { isMurmurError } from '../../src/errors/index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'murmur-secret-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;
const leftovers = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.tmp'));

test('writes the bytes or the string with mode 0600 whatever the umask; replaces an existing file', async () => {
  const p = join(dir, 'a');
  const old = process.umask(0o000);
  try {
    assert.equal(await writeSecretFile(p, 'hello\n'), true);
  } finally {
    process.umask(old);
  }
  assert.equal(await readFile(p, 'utf8'), 'hello\n');
  assert.equal(await mode(p), 0o600);
  await writeFile(p, 'loose', { mode: 0o644 });
  await writeSecretFile(p, Uint8Array.of(1, 2, 3));
  assert.deepEqual(new Uint8Array(await readFile(p)), Uint8Array.of(1, 2, 3));
  assert.equal(await mode(p), 0o600, 'the replacement has 0600, not the old mode');
  assert.deepEqual(await leftovers(), []);
});

test('exclusive: an existing file is left alone (false); a missing one is created', async () => {
  const p = join(dir, 'b');
  assert.equal(await writeSecretFile(p, 'first', { exclusive: true }), true);
  assert.equal(await writeSecretFile(p, 'second', { exclusive: true }), false);
  assert.equal(await readFile(p, 'utf8'), 'first');
  assert.equal(await mode(p), 0o600);
  assert.deepEqual(await leftovers(), []);
});

test('a failure at any step leaves the old file whole and no temporary file (MURMUR_IO)', async () => {
  const p = join(dir, 'c');
  await writeSecretFile(p, 'old content');
  const failures = {
    open: { open: async () => Promise.reject(new Error('injected open failure')) },
    write: {
      open: (async (path: string, flags: string, m: number) => {
        const fh = await open(path, flags, m);
        fh.writeFile = async () => Promise.reject(new Error('injected ENOSPC'));
        return fh;
      }) as unknown as typeof open,
    },
    fsync: {
      open: (async (path: string, flags: string, m: number) => {
        const fh = await open(path, flags, m);
        fh.sync = async () => Promise.reject(new Error('injected EIO'));
        return fh;
      }) as unknown as typeof open,
    },
    rename: { rename: async () => Promise.reject(new Error('injected rename failure')) },
  };
  for (const [step, fs] of Object.entries(failures)) {
    await assert.rejects(
      writeSecretFile(p, 'new content that must not appear', { fs }),
      (e) => isMurmurError(e, 'MURMUR_IO') && /injected/.test(String((e.cause as Error).message)),
      step,
    );
    assert.equal(await readFile(p, 'utf8'), 'old content', step);
    assert.deepEqual(await leftovers(), [], step);
  }
  const link = { link: async () => Promise.reject(new Error('injected link failure')) };
  await assert.rejects(writeSecretFile(join(dir, 'c2'), 'x', { exclusive: true, fs: link }), /injected/);
  await assert.rejects(stat(join(dir, 'c2')), /ENOENT/);
  assert.deepEqual(await leftovers(), []);
});

test('an aborted signal stops before the rename: the old file stays (MURMUR_ABORTED)', async () => {
  const p = join(dir, 'd');
  await writeSecretFile(p, 'old');
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(writeSecretFile(p, 'new', { signal: ac.signal }), (e) =>
    isMurmurError(e, 'MURMUR_ABORTED'),
  );
  const late = new AbortController();
  const fs = {
    open: (async (path: string, flags: string, m: number) => {
      const fh = await open(path, flags, m);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        await sync();
        late.abort(); // after the data is on disk, before the rename
      };
      return fh;
    }) as unknown as typeof open,
  };
  await assert.rejects(writeSecretFile(p, 'new', { signal: late.signal, fs }), (e) =>
    isMurmurError(e, 'MURMUR_ABORTED'),
  );
  assert.equal(await readFile(p, 'utf8'), 'old');
  assert.deepEqual(await leftovers(), []);
});

test('concurrent writers: the file ends as one whole version', async () => {
  const p = join(dir, 'e');
  const versions = Array.from(
    { length: 16 },
    (_, i) => `${String(i).padStart(2, '0')}:${'x'.repeat(64 * 1024)}`,
  );
  await Promise.all(versions.map((v) => writeSecretFile(p, v)));
  assert.ok(versions.includes(await readFile(p, 'utf8')));
  assert.deepEqual(await leftovers(), []);
});

test('a process killed while rewriting the file leaves a whole version, never a partial one', async () => {
  const p = join(dir, 'f');
  const size = 512 * 1024;
  const script = `
    import { writeSecretFile } from ${JSON.stringify(new URL('../../src/crypto/secret-file.ts', import.meta.url).href)};
    const size = ${size};
    for (let i = 0; ; i++) {
      await writeSecretFile(${JSON.stringify(p)}, String(i % 10).repeat(size));
      if (i === 2) process.stdout.write('written\\n');
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  assert.equal(line, 'written');
  child.kill('SIGKILL');
  await once(child, 'exit');
  const text = await readFile(p, 'utf8');
  assert.equal(text.length, size);
  assert.ok(/^(\d)\1*$/.test(text), 'one version, whole');
  assert.equal(await mode(p), 0o600);
});
