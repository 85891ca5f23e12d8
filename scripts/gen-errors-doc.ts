import { glob, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderErrorsDoc } from '../src/errors/doc.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Imports every code table of the repository (`src/<module>/codes.ts`, and the example kinds'
 * `examples/<kind>/codes.ts`) so they are registered, without a hand-kept list. Returns their paths.
 */
export async function loadCodeTables(): Promise<string[]> {
  const paths: string[] = [];
  for await (const p of glob(['src/*/codes.ts', 'examples/*/codes.ts'], { cwd: ROOT })) paths.push(p);
  paths.sort();
  for (const p of paths) await import(pathToFileURL(`${ROOT}/${p}`).href);
  return paths;
}

if (import.meta.main) {
  await loadCodeTables();
  await writeFile(new URL('../docs/ERRORS.md', import.meta.url), renderErrorsDoc());
}
