// Starts a compiled murmur command (dist/src/cli/<name>.js) after checking the Node version, so an
// old Node gets one clear line instead of a stack trace (syntax here is what any Node ≥ 14 parses).
const REQUIRED = 22;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED)) {
  process.stderr.write(
    `murmur needs Node.js ${REQUIRED} or newer; this is Node.js ${process.versions.node}\n`,
  );
  process.exit(1);
}
const name = process.argv[2];
process.argv.splice(2, 1);
// a command module either runs when imported (hbbp, p2ptbl, p2ptbl-recv) or exports main (murmur)
import(new URL(`../dist/src/cli/${name}.js`, import.meta.url).href)
  .then((mod) => (typeof mod.main === 'function' ? mod.main() : undefined))
  .catch((err) => {
    process.stderr.write(`murmur: cannot start ${name}: ${err?.message ?? err}\n`);
    process.exit(1);
  });
