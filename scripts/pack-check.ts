/**
 * The package as a user gets it (`npm run pack:check`, a CI step): `npm pack`, install the tarball into
 * a fresh project with a lockfile of its own, type-check a consumer against the published types with
 * `tsc --strict`, run it, compile the example programs of examples/programs there the way a user would
 * (tsc in the app, importing 'murmur' from node_modules) and run each (they end by themselves), then run the installed `murmur start` / `murmur status` / `murmur kv put` /
 * `murmur kv get` end to end, and check that an old Node gets one clear line. Exits non-zero on the
 * first failure, saying what failed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = await mkdtemp(join(tmpdir(), 'murmur-pack-'));
/** A user's Node: the pinned Node 24 first on PATH (the system one may be older). */
const nodeBin = dirname(process.execPath);
const env = {
  ...process.env,
  PATH: `${nodeBin}${delimiter}${process.env.PATH ?? ''}`,
  npm_config_yes: 'true',
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

function step(what: string): void {
  process.stdout.write(`pack:check: ${what}\n`);
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CONSUMER = `import { createNode, isMurmurError, type MurmurNode, MurmurError } from 'murmur';
import { ChunksService, CHUNK_SIZE } from 'murmur/chunks';
import { formatJournalId, JournalsService } from 'murmur/journals';
import { Table } from 'murmur/tables';
import { encodeDatagram } from 'murmur/hbbp';
import { TreeService, type Entry } from 'murmur/tree';

const node: MurmurNode = await createNode({ services: [new TreeService()] });
await node.start();
const put: Entry | undefined = await node.tree?.put('/consumer', 'typed');
const status = await node.status();
const e: Entry | undefined = undefined;
const err: unknown = new MurmurError('MURMUR_TIMEOUT', 'x');
process.stdout.write(JSON.stringify({
  peers: status.peers.active,
  chunkSize: CHUNK_SIZE,
  coded: isMurmurError(err, 'MURMUR_TIMEOUT'),
  kinds: [typeof ChunksService, typeof JournalsService, typeof Table, typeof encodeDatagram, typeof formatJournalId],
  entry: e === undefined,
  put: put?.key,
}) + '\\n');
await node.stop();
`;

let daemon: ChildProcess | undefined;
try {
  step('npm pack');
  run('npm', ['pack', '--pack-destination', work, '--silent'], root);
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack wrote no tarball');
  const files = run('tar', ['-tzf', join(work, tarball)], work)
    .trim()
    .split('\n');
  if (
    files.some(
      (f) => f.startsWith('package/test/') || f.startsWith('package/bench/') || f.startsWith('package/src/'),
    )
  )
    throw new Error('the tarball ships tests, benchmarks or sources');
  step(`${tarball}: ${files.length} files`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  step('npm install the tarball into a fresh project');
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, tarball),
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ],
    app,
  );
  if (!existsSync(join(app, 'package-lock.json'))) throw new Error('the app has no lockfile of its own');

  step('tsc --strict on a consumer of the published types and on the example programs');
  await writeFile(join(app, 'consumer.ts'), CONSUMER);
  const programs = (await readdir(join(root, 'examples', 'programs'))).filter((f) => f.endsWith('.ts'));
  await mkdir(join(app, 'examples'));
  for (const f of programs) await copyFile(join(root, 'examples', 'programs', f), join(app, 'examples', f));
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        skipLibCheck: false,
        outDir: 'out',
        rootDir: '.',
      },
      include: ['consumer.ts', 'examples/*.ts'],
    }),
  );
  run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);
  step('run the consumer');
  const out = JSON.parse(run('node', [join(app, 'out', 'consumer.js')], app)) as {
    coded: boolean;
    put: string;
  };
  if (out.coded !== true || out.put !== '/consumer')
    throw new Error(`consumer printed ${JSON.stringify(out)}`);
  for (const f of programs) {
    step(`run the example ${f}`);
    const printed = run('node', [join(app, 'out', 'examples', f.replace(/\.ts$/, '.js'))], app);
    if (!/: ok\n$/.test(printed)) throw new Error(`the example ${f} printed:\n${printed}`);
  }

  step('the installed murmur: start, status, kv put, kv get');
  const data = join(app, 'data');
  const murmur = join(app, 'node_modules', '.bin', 'murmur');
  daemon = spawn(
    murmur,
    ['start', '--data', data, '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'],
    {
      cwd: app,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  daemon.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => daemon?.on('exit', (code) => resolve(code)));
  await waitFor(() => existsSync(join(data, 'api.json')) || daemon?.exitCode !== null, 'the node to start');
  if (daemon.exitCode !== null) throw new Error(`murmur start exited ${daemon.exitCode}: ${stderr}`);
  const status = run(murmur, ['status', '--data', data], app);
  if (!/peer/i.test(status)) throw new Error(`murmur status printed: ${status}`);
  run(murmur, ['kv', 'put', '/hello', 'world', '--data', data], app);
  const got = run(murmur, ['kv', 'get', '/hello', '--data', data], app);
  if (got.trim() !== 'world') throw new Error(`murmur kv get printed ${JSON.stringify(got)}`);
  daemon.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`murmur start exited ${code} on SIGTERM: ${stderr}`);
  daemon = undefined;

  const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));
  if (systemNode !== undefined) {
    const major = Number(run(systemNode, ['-p', 'process.versions.node'], app).split('.')[0]);
    if (major < 22) {
      step(`an old Node (${systemNode}, ${major}) gets one clear line`);
      try {
        execFileSync(
          systemNode,
          [join(app, 'node_modules', 'murmur', 'bin', 'launch.mjs'), 'murmur', 'status'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        throw new Error('an old Node ran murmur');
      } catch (err) {
        const e = err as { status?: number; stderr?: string };
        if (e.status !== 1 || !/^murmur needs Node\.js 22 or newer; this is Node\.js /.test(e.stderr ?? ''))
          throw new Error(`an old Node printed: ${e.stderr}`);
      }
    }
  }
  step('ok');
} finally {
  daemon?.kill('SIGKILL');
  if (!keep) await rm(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
}
