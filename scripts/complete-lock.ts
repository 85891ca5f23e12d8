/**
 * `npm run lock:complete`: adds to package-lock.json the platform-specific optional packages that the
 * registry mirror used here does not serve (e.g. @biomejs/cli-darwin-arm64): `npm install` then leaves
 * them out of the lock, and `npm ci` refuses a lock that lacks a declared optional dependency. Each
 * added entry carries the platform (os/cpu/libc) read from its name, so `npm ci` skips it on other
 * platforms and installs it from a full registry on its own platform. Run it after every `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

type Entry = {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
};

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8')) as { packages: Record<string, Entry> };
const pkgs = lock.packages;

function platformOf(name: string): Pick<Entry, 'os' | 'cpu' | 'libc'> {
  const base = name.split('/').pop() ?? name;
  const os = ['darwin', 'linux', 'win32', 'android', 'freebsd'].find((o) => base.includes(o));
  const cpuMap: Record<string, string> = {
    arm64: 'arm64',
    aarch64: 'arm64',
    x64: 'x64',
    armv7: 'arm',
    ia32: 'ia32',
  };
  const cpuKey = Object.keys(cpuMap).find((c) => base.includes(c));
  const out: Pick<Entry, 'os' | 'cpu' | 'libc'> = {};
  if (os !== undefined) out.os = [os];
  if (cpuKey !== undefined) out.cpu = [cpuMap[cpuKey] as string];
  if (base.includes('musl')) out.libc = ['musl'];
  else if (os === 'linux') out.libc = ['glibc'];
  return out;
}

let added = 0;
for (const [where, entry] of Object.entries(pkgs)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${where}/node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[nested] !== undefined || pkgs[hoisted] !== undefined) continue;
    const version = range.replace(/^[\^~=]/, '');
    if (!/^\d+\.\d+\.\d+/.test(version)) continue;
    const platform = platformOf(dep);
    if (platform.os === undefined) continue;
    pkgs[hoisted] = { version, ...(entry.dev === true ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}

const sorted: Record<string, Entry> = {};
for (const key of Object.keys(pkgs).sort((a, b) =>
  a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
)) {
  sorted[key] = pkgs[key] as Entry;
}
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lock: added ${added} optional platform package(s)\n`);
