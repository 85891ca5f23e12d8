// The layers of murmur, lowest first: the one source of the layering rule. A folder of `src/` (or of
// `examples/`) may import only folders of LOWER layers, never one of its own layer (other than itself)
// nor of a higher one. `.dependency-cruiser.cjs` turns this list into its rules (`npm run lint`), and
// `scripts/architecture.ts` draws the diagram of docs/ARCHITECTURE.md from it (checked by the lint too).
module.exports = [
  { layer: 'foundation', folders: ['errors', 'log'], about: 'MurmurError + code registry; Logger' },
  {
    layer: 'primitives',
    folders: ['bytes', 'clock', 'files'],
    about: 'varint/hex/equality; time and timers; folder fsync',
  },
  { layer: 'crypto', folders: ['crypto'], about: 'Ed25519 Signer, key files, atomic 0600 secret files' },
  {
    layer: 'io',
    folders: ['store', 'http', 'hbbp', 'overlay', 'p2p'],
    about: 'LevelDB + segments; route contract; UDP broadcast; Kademlia; libp2p host',
  },
  {
    layer: 'peering',
    folders: ['peers', 'identity', 'p2ptbl'],
    about: 'peer book; node identity; p2ptbl tables (stand-alone)',
  },
  { layer: 'wire', folders: ['metrics', 'handshake'], about: 'prom-client registry; murmur handshake' },
  { layer: 'transport', folders: ['discovery', 'streamer'], about: 'bootstrap/LAN/hive; frame channels' },
  { layer: 'contract', folders: ['service'], about: 'NodeService, ServiceContext, data-kind descriptor' },
  {
    layer: 'kinds',
    folders: ['tree', 'journals', 'chunks', 'examples/*'],
    about: 'the data kinds: model + store + protocol + routes, one folder each',
  },
  { layer: 'runtime', folders: ['node', 'sim'], about: 'composition root; deterministic simulator' },
  { layer: 'registry', folders: ['kinds'], about: 'the list of data-kind descriptors' },
  { layer: 'settings', folders: ['config'], about: 'flags > env > config.json > defaults' },
  { layer: 'surface', folders: ['api'], about: 'local HTTP API on loopback' },
  { layer: 'daemon', folders: ['daemon'], about: 'node + API from settings' },
  {
    layer: 'clients',
    folders: ['cli', 'dashboard', 'index.ts'],
    about: 'murmur/hbbp/p2ptbl commands; the dashboard page; library entry',
  },
  {
    layer: 'programs',
    folders: ['examples/programs'],
    about: "runnable example programs, importing 'murmur' as users do",
  },
];
