/**
 * Builds the published package into dist/: ESM JavaScript and .d.ts from src/ (and examples/counter, a registered kind) (tsc with
 * tsconfig.build.json: `.ts` import specifiers rewritten to `.js`), plus the files tsc does not emit —
 * the generated protobuf modules (`*_pb.js` + `*_pb.d.ts`) and the dashboard's static files. Run by
 * `npm pack`/`npm publish` (prepack); the development flow (`npm start`, `npm test`) runs src/ directly.
 */
import { spawnSync } from 'node:child_process';
import { cp, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
/** Source folders whose modules the build emits (src/kinds registers the counters example kind). */
const SOURCES = ['src', 'examples/counter'];

/** Files under src/ that are shipped as they are (tsc emits only from .ts). */
const COPIED = /(_pb\.js|_pb\.d\.ts|\.html|\.css|\.svg|\.ico|\.png)$|^dashboard\/.*\.js$/;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

await rm(dist, { recursive: true, force: true });
const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
let copied = 0;
for (const folder of SOURCES) {
  const base = join(root, folder);
  for await (const path of files(base)) {
    if (!COPIED.test(relative(base, path))) continue;
    await cp(path, join(dist, relative(root, path)));
    copied++;
  }
}
process.stdout.write(`dist/ built (${copied} files copied as they are)\n`);
