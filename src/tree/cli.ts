import type { Command } from 'commander';
import { MurmurError } from '../errors/index.ts';
import type { ApiRequester } from '../http/types.ts';
import type { CliKit } from '../service/kind.ts';
import { keyPairToJson, readKeyFile, writeKeyFile } from './keyfile.ts';
import { generateKeyPair } from './keys.ts';

/** Options every client command takes. */
type CliFlags = { data?: string; json?: boolean };

/** Set by the register function: the CLI's helpers (client, output, error reporting). */
let kit: CliKit;

/**
 * Tree commands: `keygen`, `tree join|use|ls`, `kv put|get|del|list|watch`, `grant`, `revoke`,
 * `grants`. Writes are signed by the node's own tree key, or by `--key FILE`: the CLI reads the key
 * file and sends it with the request to the node's local API (loopback only, bearer token), which
 * signs and forgets it. Signing in the CLI would need the tree's grants and clock, which only the
 * node holds; the API is already as trusted as the data folder that holds the node's own key.
 */

interface TreeFlags extends CliFlags {
  tree?: string;
  key?: string;
}

const treeOptions = (cmd: Command): Command =>
  kit
    .clientOptions(cmd)
    .option(
      '--tree <root>',
      'tree root key (hex); default: the one set with `murmur tree use`, else the node key',
    )
    .option('--key <file>', 'sign with this key file (from `murmur keygen -o`) instead of the node key');

const treePath = (flags: TreeFlags): string => `/v1/trees/${flags.tree ?? 'default'}`;
const kvPath = (flags: TreeFlags, key: string): string => {
  if (!key.startsWith('/'))
    throw new MurmurError('MURMUR_TREE_BAD_PATH', 'a key starts with "/", e.g. /hello');
  return `${treePath(flags)}/kv${key.split('/').map(encodeURIComponent).join('/')}`;
};

async function signing(flags: TreeFlags): Promise<Record<string, unknown>> {
  return flags.key === undefined ? {} : { key: keyPairToJson(await readKeyFile(flags.key)) };
}

interface EntryView {
  key: string;
  value: string | null;
  base64: string | null;
  deleted: boolean;
  signer: string;
  time: string;
}

const shown = (e: EntryView): string => e.value ?? `base64:${e.base64}`;

async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** `--expires 30m|12h|7d|<ISO date>|<unix ms>` → unix ms. */
export function parseExpires(text: string, now = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m !== null)
    return now + Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'expires is 30m, 12h, 7d, an ISO date or unix ms');
  return ms;
}

async function watch(api: ApiRequester, flags: TreeFlags, filters: string[]): Promise<void> {
  const q = new URLSearchParams(filters.map((f): [string, string] => ['filter', f]));
  q.set('watch', '1');
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  for await (const ev of api.events({ path: `${treePath(flags)}/list?${q}`, signal: ac.signal })) {
    const data = JSON.parse(ev.data) as { key?: string; entry?: EntryView | null };
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: ev.event, ...data })}\n`);
    else if (ev.event === 'tail') process.stdout.write('-- TAIL (now watching changes) --\n');
    else if (ev.event === 'entry')
      process.stdout.write(
        data.entry === null || data.entry === undefined || data.entry.deleted
          ? `${data.key} (deleted)\n`
          : `${data.key} = ${shown(data.entry)}\n`,
      );
  }
}

export function registerTree(program: Command, cliKit: CliKit): void {
  kit = cliKit;
  program
    .command('keygen')
    .description('make a new Ed25519 tree key (its public half names a tree or receives grants)')
    .option('-o, --output <file>', 'write the key to this file (mode 0600) and print the public key')
    .option('--json', 'print JSON')
    .action(
      kit.action(async (flags: { output?: string; json?: boolean }) => {
        const pair = generateKeyPair();
        const json = keyPairToJson(pair);
        if (flags.output === undefined) return kit.printJson(json);
        await writeKeyFile(flags.output, pair);
        if (flags.json) return kit.printJson({ publicKey: json.publicKey, file: flags.output });
        process.stdout.write(`${json.publicKey}\n`);
      }),
    );

  const tree = program.command('tree').description('trees held by the node');
  kit
    .clientOptions(
      tree.command('join').argument('<root>', 'root public key (hex)').description('hold and sync a tree'),
    )
    .action(
      kit.action(async (root: string, flags: CliFlags) => {
        const r = await (await kit.client(flags)).request('POST', '/v1/trees', { body: { root } });
        if (flags.json) return kit.printJson(r);
        process.stdout.write(`joined ${root}\n`);
      }),
    );
  kit
    .clientOptions(
      tree
        .command('use')
        .argument('<root>', 'root public key (hex)')
        .description('join a tree and make it the default'),
    )
    .action(
      kit.action(async (root: string, flags: CliFlags) => {
        const r = await (await kit.client(flags)).request('POST', '/v1/trees', { body: { root, use: true } });
        if (flags.json) return kit.printJson(r);
        process.stdout.write(`default tree ${root}\n`);
      }),
    );
  kit.clientOptions(tree.command('ls').description('list held trees with root hashes')).action(
    kit.action(async (flags: CliFlags) => {
      const r = await (await kit.client(flags)).request<{
        default: string;
        nodeKey: string;
        trees: { root: string; rootHash: string; records: number }[];
      }>('GET', '/v1/trees');
      if (flags.json) return kit.printJson(r);
      process.stdout.write(`node key ${r.nodeKey}\n`);
      for (const t of r.trees)
        process.stdout.write(
          `${t.root === r.default ? '*' : ' '} ${t.root}  hash ${t.rootHash}  ${t.records} records\n`,
        );
    }),
  );

  const kv = program.command('kv').description('read and write keys of a tree');
  treeOptions(
    kv
      .command('put')
      .argument('<key>', 'key path, e.g. /hello')
      .argument('<value>', "value, or '-' for standard input")
      .option('--json-value', 'the value is JSON (checked, stored as its text)')
      .description('write a key (signed by the node key or --key)'),
  ).action(
    kit.action(async (key: string, value: string, flags: TreeFlags & { jsonValue?: boolean }) => {
      const bytes = value === '-' ? await readStdin() : Buffer.from(value, 'utf8');
      let body: Record<string, unknown>;
      if (flags.jsonValue) {
        try {
          body = { json: JSON.parse(bytes.toString('utf8')) };
        } catch (cause) {
          throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'the value is not JSON', { cause });
        }
      } else body = { base64: bytes.toString('base64') };
      const e = await (await kit.client(flags)).request<EntryView>('PUT', kvPath(flags, key), {
        body: { ...body, ...(await signing(flags)) },
      });
      if (flags.json) return kit.printJson(e);
      process.stdout.write(`${e.key} written at ${e.time}\n`);
    }),
  );
  treeOptions(kv.command('get').argument('<key>', 'key path').description('print the value of a key')).action(
    kit.action(async (key: string, flags: TreeFlags) => {
      const e = await (await kit.client(flags)).request<EntryView>('GET', kvPath(flags, key));
      if (flags.json) return kit.printJson(e);
      if (e.value !== null) process.stdout.write(`${e.value}\n`);
      else process.stdout.write(Buffer.from(e.base64 ?? '', 'base64'));
    }),
  );
  treeOptions(
    kv.command('del').argument('<key>', 'key path').description('delete a key (a signed tombstone)'),
  ).action(
    kit.action(async (key: string, flags: TreeFlags) => {
      const e = await (await kit.client(flags)).request<EntryView>('DELETE', kvPath(flags, key), {
        ...(flags.key === undefined ? {} : { body: await signing(flags) }),
      });
      if (flags.json) return kit.printJson(e);
      process.stdout.write(`${e.key} deleted\n`);
    }),
  );
  treeOptions(
    kv
      .command('list')
      .argument('[filters...]', 'ordered globs, "!" negates, last match wins (e.g. "/a/**" "!/a/tmp/**")')
      .description('list visible keys and values'),
  ).action(
    kit.action(async (filters: string[], flags: TreeFlags) => {
      const q = new URLSearchParams(filters.map((f): [string, string] => ['filter', f]));
      const r = await (await kit.client(flags)).request<{ entries: EntryView[] }>(
        'GET',
        `${treePath(flags)}/list${filters.length ? `?${q}` : ''}`,
      );
      if (flags.json) return kit.printJson(r.entries);
      for (const e of r.entries) process.stdout.write(`${e.key} = ${shown(e)}\n`);
    }),
  );
  treeOptions(
    kv
      .command('watch')
      .argument('[filters...]', 'ordered globs as for list')
      .description('print matching entries, a TAIL marker, then every change (Ctrl-C stops)'),
  ).action(
    kit.action(async (filters: string[], flags: TreeFlags) => watch(await kit.client(flags), flags, filters)),
  );

  treeOptions(
    program
      .command('grant')
      .requiredOption('--to <pubkey>', 'public key (hex) receiving the grant')
      .requiredOption('--pattern <glob>', 'keys it may write, e.g. /my/**/sta*')
      .option('--subgrant', 'it may grant inside the pattern in turn')
      .option('--expires <t>', 'expiry: 30m, 12h, 7d, an ISO date or unix ms')
      .description('grant a key the right to write keys matching a pattern'),
  ).action(
    kit.action(
      async (flags: TreeFlags & { to: string; pattern: string; subgrant?: boolean; expires?: string }) => {
        const g = await (await kit.client(flags)).request<{ id: string; pattern: string }>(
          'POST',
          `${treePath(flags)}/grants`,
          {
            body: {
              to: flags.to,
              pattern: flags.pattern,
              subgrant: flags.subgrant === true,
              ...(flags.expires === undefined ? {} : { expiresAt: parseExpires(flags.expires) }),
              ...(await signing(flags)),
            },
          },
        );
        if (flags.json) return kit.printJson(g);
        process.stdout.write(`${g.id}\n`);
      },
    ),
  );
  treeOptions(
    program.command('revoke').argument('<grant>', 'grant id (hex)').description('revoke a grant'),
  ).action(
    kit.action(async (grant: string, flags: TreeFlags) => {
      const r = await (await kit.client(flags)).request('POST', `${treePath(flags)}/revocations`, {
        body: { grant, ...(await signing(flags)) },
      });
      if (flags.json) return kit.printJson(r);
      process.stdout.write(`revoked ${grant}\n`);
    }),
  );
  treeOptions(program.command('grants').description('list the grants of a tree')).action(
    kit.action(async (flags: TreeFlags) => {
      const r = await (await kit.client(flags)).request<{
        grants: {
          id: string;
          pattern: string;
          issuee: string;
          subgrant: boolean;
          expiresAt: number | null;
          revoked: boolean;
        }[];
      }>('GET', `${treePath(flags)}/grants`);
      if (flags.json) return kit.printJson(r.grants);
      for (const g of r.grants)
        process.stdout.write(
          `${g.id}  ${g.pattern}  to ${g.issuee}${g.subgrant ? '  subgrant' : ''}${
            g.expiresAt === null ? '' : `  expires ${new Date(g.expiresAt).toISOString()}`
          }${g.revoked ? '  REVOKED' : ''}\n`,
        );
    }),
  );
}
