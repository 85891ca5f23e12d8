#!/bin/sh
# Shared launcher of murmur's commands, however the command was reached (npx, an installed bin, a
# symlink such as an HBBP handler link, or a direct path). The invoked name ($0) is passed on in
# MURMUR_INVOKED_AS, which p2ptbl-recv uses to learn its table name.
# - In a checkout (src/ present, the pinned Node 24 in node_modules): runs src/cli/<name>.ts directly.
# - As an installed package: runs the compiled dist/src/cli/<name>.js on the `node` on PATH, through
#   bin/launch.mjs, which says in one line which Node version is needed when it is too old.
set -e
name="$1"; shift
invoked="$1"; shift
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
export MURMUR_INVOKED_AS="$invoked"
if [ -f "$root/src/cli/$name.ts" ]; then
  node="$root/node_modules/node/bin/node"
  [ -x "$node" ] || node=$(command -v node)
  exec "$node" "$root/src/cli/$name.ts" "$@"
fi
exec node "$root/bin/launch.mjs" "$name" "$@"
