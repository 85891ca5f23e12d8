/**
 * `npm run docs:architecture`: draws the layer diagram of docs/ARCHITECTURE.md from layers.cjs (the
 * file the dependency-cruiser rules are built from) between its `layers:begin` / `layers:end` markers.
 * `--check` (part of `npm run lint`) instead fails when the page is not what the rule file draws, or when
 * a folder of src/ or examples/ is in no layer.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Layer {
  layer: string;
  folders: string[];
  about: string;
}

const root = new URL('../', import.meta.url);
const layers = createRequire(import.meta.url)('../layers.cjs') as Layer[];
const page = new URL('docs/ARCHITECTURE.md', root);
const BEGIN = '<!-- layers:begin (drawn from layers.cjs by npm run docs:architecture) -->';
const END = '<!-- layers:end -->';

/** The diagram: highest layer first, each with its folders and what they hold. */
export function drawLayers(list: readonly Layer[]): string {
  const name = (f: string): string =>
    f === 'index.ts' ? 'src/index.ts' : f.startsWith('examples/') ? f : `src/${f}`;
  const width = Math.max(...list.map((l) => l.folders.map(name).join('  ').length));
  const lines = [...list].reverse().flatMap((l, i) => {
    const row = `  ${l.layer.padEnd(11)} ${l.folders.map(name).join('  ').padEnd(width)}   ${l.about}`;
    return i === 0 ? [row] : ['        │', row];
  });
  return ['```', ...lines, '```'].join('\n');
}

/** Folders of src/ and examples/ that no layer lists. */
export function unlisted(list: readonly Layer[]): string[] {
  const listed = new Set(list.flatMap((l) => l.folders));
  const dirs = (base: string): string[] => {
    try {
      return readdirSync(new URL(`${base}/`, root)).filter((d) =>
        statSync(new URL(`${base}/${d}`, root)).isDirectory(),
      );
    } catch {
      return [];
    }
  };
  const src = dirs('src').filter((d) => !listed.has(d));
  const ex = listed.has('examples/*')
    ? []
    : dirs('examples')
        .map((d) => `examples/${d}`)
        .filter((d) => !listed.has(d));
  return [...src.map((d) => `src/${d}`), ...ex];
}

function main(): void {
  const text = readFileSync(page, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/ARCHITECTURE.md lacks the ${BEGIN} … ${END} markers`);
  const want = `${text.slice(0, a + BEGIN.length)}\n${drawLayers(layers)}\n${text.slice(b)}`;
  const missing = unlisted(layers);
  if (process.argv.includes('--check')) {
    const problems = [
      ...(want === text
        ? []
        : [
            'docs/ARCHITECTURE.md: the layer diagram differs from layers.cjs (run npm run docs:architecture)',
          ]),
      ...missing.map((d) => `layers.cjs: folder ${d} is in no layer`),
    ];
    for (const p of problems) process.stderr.write(`architecture: ${p}\n`);
    process.exitCode = problems.length === 0 ? 0 : 1;
    return;
  }
  if (missing.length > 0) process.stderr.write(`architecture: in no layer: ${missing.join(', ')}\n`);
  writeFileSync(page, want);
}

if (import.meta.main) main();
