/**
 * The example programs of examples/programs run as a user runs them (importing 'murmur', resolved
 * here to the sources through the murmur-source condition): each ends by itself, exits 0 and prints
 * its final check. (npm run pack:check runs them again, compiled, from the installed package.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = join(import.meta.dirname, '..', '..', 'examples', 'programs');
const programs = readdirSync(dir).filter((f) => f.endsWith('.ts'));

test('there are the four example programs', () => {
  assert.deepEqual(programs.sort(), [
    'file-transfer.ts',
    'journal-follower.ts',
    'shared-tree.ts',
    'table-script.ts',
  ]);
});

for (const program of programs) {
  test(`examples/programs/${program} ends by itself with exit code 0`, async () => {
    const { stdout } = await run(process.execPath, ['--conditions=murmur-source', join(dir, program)], {
      cwd: join(dir, '..', '..'),
      timeout: 180_000,
    });
    assert.match(stdout, /: ok\n$/, stdout);
  });
}
