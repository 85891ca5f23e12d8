import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/bytes/index.ts';
import {
  decodeKeyFile,
  encodeKeyFile,
  loadOrCreateKeyFile,
  readKeyFile,
  writeKeyFile,
} from '../../src/crypto/key-file.ts';
import {
  generateKeyPair,
  generateSigner,
  signerFromKeyPair,
  signerFromSeed,
  verifySignature,
} from '../../src/crypto/signer.ts';
import { isMurmurError } from '../../src/errors/index.ts';
import { loadOrCreateJournalKey, parseKeyFile } from '../../src/journals/key-file.ts';
import { generateWriter, writerFromSeed } from '../../src/journals/keys.ts';
import {
  loadOrCreateKeyFile as treeLoadOrCreate,
  readKeyFile as treeReadKeyFile,
} from '../../src/tree/keyfile.ts';
import {
  signBytes,
  generateSigner as treeGenerateSigner,
  signerFromKeyPair as treeSignerFromKeyPair,
} from '../../src/tree/keys.ts';

// RFC 8032, Ed25519 test 1
const SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const PUB = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const SIG_EMPTY = fromHex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'murmur-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the one Signer: RFC 8032 vector; tree and journals sign the same bytes alike', () => {
  const s = signerFromSeed(SEED);
  assert.deepEqual(s.publicKey, PUB);
  assert.deepEqual(s.sign(new Uint8Array(0)), SIG_EMPTY);
  assert.ok(verifySignature(PUB, new Uint8Array(0), SIG_EMPTY));
  const tree = treeSignerFromKeyPair({ publicKey: PUB, privateKey: SEED });
  const writer = writerFromSeed(SEED);
  const msg = new TextEncoder().encode('a tree entry or a journal event');
  assert.deepEqual(signBytes(tree, msg), writer.sign(msg));
  assert.deepEqual(writer.sign(new Uint8Array(0)), SIG_EMPTY);
  for (const g of [generateSigner(), generateWriter(), treeGenerateSigner()]) {
    const sig = g.sign(msg);
    assert.equal(sig.length, 64);
    assert.ok(verifySignature(g.publicKey, msg, sig));
    assert.ok(!verifySignature(g.publicKey, msg.subarray(1), sig));
  }
});

test('signer errors carry the caller’s code', () => {
  const other = generateKeyPair();
  assert.throws(
    () => treeSignerFromKeyPair({ publicKey: other.publicKey, privateKey: SEED }),
    (e) => isMurmurError(e, 'MURMUR_TREE_BAD_KEY') && /does not belong/.test(e.message),
  );
  assert.throws(
    () => treeSignerFromKeyPair({ publicKey: PUB, privateKey: SEED.subarray(1) }),
    (e) => isMurmurError(e, 'MURMUR_TREE_BAD_KEY'),
  );
  assert.throws(
    () => writerFromSeed(new Uint8Array(31)),
    (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
  );
  assert.throws(
    () => signerFromKeyPair({ publicKey: PUB, privateKey: other.privateKey }, 'MURMUR_JOURNAL_BAD_KEY'),
    (e) => isMurmurError(e, 'MURMUR_JOURNAL_BAD_KEY'),
  );
});

test('every old key-file format reads as the same key as the current one', async () => {
  const formats: Record<string, string | Uint8Array> = {
    current: encodeKeyFile({ publicKey: PUB, privateKey: SEED }),
    'tree JSON (no type)': `${JSON.stringify({ publicKey: toHex(PUB), privateKey: toHex(SEED) })}\n`,
    'journal hex': `${toHex(SEED)}\n`,
    'journal hex, upper case, spaces': `  ${toHex(SEED).toUpperCase()} \n\n`,
    'journal raw 32 bytes': SEED,
  };
  assert.equal(
    formats.current,
    `{"type":"ed25519","publicKey":"${toHex(PUB)}","privateKey":"${toHex(SEED)}"}\n`,
  );
  for (const [name, content] of Object.entries(formats)) {
    const p = join(dir, `old-${name.replace(/\W+/g, '-')}`);
    await writeFile(p, content, { mode: 0o600 });
    const pair = await readKeyFile(p);
    assert.deepEqual(pair, { publicKey: PUB, privateKey: SEED }, name);
    assert.deepEqual(await treeReadKeyFile(p), pair, `${name} (tree)`);
    assert.deepEqual(parseKeyFile(await readFile(p)).publicKey, PUB, `${name} (journals)`);
    const w = await loadOrCreateJournalKey(p, { create: false });
    assert.deepEqual(w.sign(new Uint8Array(0)), SIG_EMPTY, `${name}: same signatures`);
    assert.deepEqual(await treeLoadOrCreate(p), pair, `${name}: an existing file is not rewritten`);
    assert.deepEqual(await readFile(p), Buffer.from(content), `${name}: file untouched`);
  }
});

test('a raw 32-byte seed starting with "{" is still a raw seed', () => {
  const seed = new Uint8Array(32).fill(0x7b);
  assert.deepEqual(decodeKeyFile(seed).publicKey, signerFromSeed(seed).publicKey);
});

test('new files are written in the current format, 0600, and read back', async () => {
  const tree = join(dir, 'new', 'tree-key.json');
  const pair = await treeLoadOrCreate(tree);
  assert.equal((await stat(tree)).mode & 0o777, 0o600);
  const json = JSON.parse(await readFile(tree, 'utf8'));
  assert.deepEqual(json, {
    type: 'ed25519',
    publicKey: toHex(pair.publicKey),
    privateKey: toHex(pair.privateKey),
  });
  assert.deepEqual(await treeLoadOrCreate(tree), pair, 'created once');
  const journal = join(dir, 'new', 'journal-key');
  const w = await loadOrCreateJournalKey(journal);
  assert.equal((await stat(journal)).mode & 0o777, 0o600);
  assert.equal(JSON.parse(await readFile(journal, 'utf8')).type, 'ed25519');
  assert.deepEqual((await loadOrCreateJournalKey(journal)).publicKey, w.publicKey);
  // writeKeyFile refuses to overwrite unless asked
  await assert.rejects(writeKeyFile(tree, generateKeyPair()), (e) => isMurmurError(e, 'MURMUR_IO'));
  assert.deepEqual(await readKeyFile(tree), pair);
  const other = generateKeyPair();
  await writeKeyFile(tree, other, { overwrite: true });
  assert.deepEqual(await readKeyFile(tree), other);
});

test('concurrent first starts end with one key', async () => {
  const p = join(dir, 'race', 'k.json');
  const pairs = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(p)));
  for (const q of pairs) assert.deepEqual(q, pairs[0]);
  assert.deepEqual(await readKeyFile(p), pairs[0]);
});

test('bad key files: the caller’s code, a missing file MURMUR_IO (journals: its own code)', async () => {
  const bad: Record<string, string | Uint8Array> = {
    empty: '',
    garbage: 'not a key',
    'short hex': toHex(SEED).slice(2),
    'bad JSON': '{"publicKey":',
    'JSON without halves': '{"publicKey":"00"}',
    'halves of two keys': JSON.stringify({
      publicKey: toHex(generateKeyPair().publicKey),
      privateKey: toHex(SEED),
    }),
    'other type': JSON.stringify({ type: 'rsa', publicKey: toHex(PUB), privateKey: toHex(SEED) }),
    '31 raw bytes': SEED.subarray(1),
  };
  for (const [name, content] of Object.entries(bad)) {
    const p = join(dir, `bad-${name.replace(/\W+/g, '-')}`);
    await writeFile(p, content);
    await assert.rejects(treeReadKeyFile(p), (e) => isMurmurError(e, 'MURMUR_TREE_BAD_KEY'), name);
    await assert.rejects(loadOrCreateJournalKey(p), (e) => isMurmurError(e, 'MURMUR_JOURNAL_BAD_KEY'), name);
    assert.throws(
      () => decodeKeyFile(Buffer.from(content)),
      (e) => isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'),
      name,
    );
  }
  await assert.rejects(treeReadKeyFile(join(dir, 'missing')), (e) => isMurmurError(e, 'MURMUR_IO'));
  await assert.rejects(loadOrCreateJournalKey(join(dir, 'missing'), { create: false }), (e) =>
    isMurmurError(e, 'MURMUR_JOURNAL_BAD_KEY'),
  );
});

test('decodeKeyFile never crashes on random bytes: a key or a typed error', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.string().map((s) => Buffer.from(s)),
      ),
      (bytes) => {
        try {
          const pair = decodeKeyFile(bytes);
          assert.deepEqual(signerFromSeed(pair.privateKey).publicKey, pair.publicKey);
        } catch (e) {
          assert.ok(isMurmurError(e, 'MURMUR_INVALID_ARGUMENT'), String(e));
        }
      },
    ),
  );
});
