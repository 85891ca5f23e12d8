import { join } from 'node:path';
import { defineKind } from '../service/kind.ts';
import { registerTree } from './cli.ts';
import type { TreeService } from './service.ts';

/** The tree as a data kind: signed key/value entries under grants, reconciled by root hash. */
export const treeKind = defineKind<TreeService, Record<string, never>>({
  name: 'tree',
  title: 'Tree',
  summary:
    'a key/value tree of signed entries; write rights delegated with grants, withdrawn with revocations',
  settings: [],
  configure: () => ({}),
  create: async ({ dataDir }) =>
    new (await import('./service.ts')).TreeService({ keyFile: join(dataDir, 'tree-key.json') }),
  commands: registerTree,
  hints: [
    { command: 'kv put /hello world', what: "a signed entry in this node's tree (kv get / list / watch)" },
  ],
});
