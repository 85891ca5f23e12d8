// dependency-cruiser configuration (`npm run lint:deps`): the layering of layers.cjs as rules, plus no
// cycles. Parsed with SWC (TypeScript 7 has no compiler API for it yet); type-only imports count: the
// SWC extractor always keeps them, so tsPreCompilationDeps (an option of the tsc extractor only) stays
// off, which also keeps dependency-cruiser from warning that no TypeScript <7 compiler is installed.
const layers = require('./layers.cjs');

/** Folders of examples/ a layer lists by name (the `examples/*` glob covers the others). */
const namedExamples = layers
  .flatMap((l) => l.folders)
  .filter((f) => f.startsWith('examples/') && f !== 'examples/*')
  .map((f) => f.slice('examples/'.length));

/** The path regex of a folder of the layer list ('index.ts' is src/index.ts, 'examples/x' a folder there). */
const pathOf = (folder) => {
  if (folder === 'index.ts') return '^src/index\\.ts$';
  if (folder === 'examples/*')
    return namedExamples.length === 0
      ? '^examples/([^/]+)/'
      : `^examples/(?!(?:${namedExamples.join('|')})/)([^/]+)/`;
  if (folder.startsWith('examples/')) return `^${folder}/`;
  return `^src/${folder}/`;
};

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'An import cycle: split the shared part into a lower file (see docs/ARCHITECTURE.md).',
    from: {},
    to: { circular: true },
  },
  {
    name: 'not-to-unresolvable',
    severity: 'error',
    comment: 'An import that does not resolve to a file.',
    from: {},
    to: { couldNotResolve: true, pathNot: '^node:' },
  },
];

layers.forEach(({ layer, folders }, i) => {
  const sameOrAbove = layers.slice(i).flatMap((l) => l.folders);
  for (const folder of folders) {
    const others = sameOrAbove.filter((f) => f !== folder).map((f) => pathOf(f).replace('([^/]+)', '[^/]+'));
    const glob = folder === 'examples/*';
    // a folder of the examples/* glob may not import another folder of it either
    if (glob) others.push('^examples/');
    const rule = {
      name: `layer-${layer}-${folder.replace(/[^a-z0-9]+/gi, '-')}`,
      severity: 'error',
      comment: `${folder} (layer ${layer}) may import only lower layers (layers.cjs)`,
      from: { path: pathOf(folder) },
      to: { path: others.join('|') || '^$' },
    };
    if (glob) rule.to.pathNot = '^examples/$1/';
    forbidden.push(rule);
  }
});

module.exports = {
  forbidden,
  options: {
    parser: 'swc',
    tsPreCompilationDeps: false,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '_pb\\.(js|d\\.ts)$' },
    includeOnly: '^(src|examples)/',
    // `import … from 'murmur'` (the example programs) resolves to the sources, as tsc and the tests do
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['murmur-source', 'import', 'node', 'default'],
    },
  },
};
