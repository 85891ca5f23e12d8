#!/bin/sh
# Shared launcher of murmur's commands: runs src/cli/<name>.ts on the Node 24 pinned in node_modules
# (falling back to `node` on PATH), whatever PATH the caller has and however the command was reached
# (npx, a symlink such as an HBBP handler link, or a direct path). The invoked name ($0) is passed on in
# MURMUR_INVOKED_AS, which p2ptbl-recv uses to learn its table name.
set -e
name="$1"; shift
invoked="$1"; shift
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
node="$root/node_modules/node/bin/node"
[ -x "$node" ] || node=$(command -v node)
MURMUR_INVOKED_AS="$invoked" exec "$node" "$root/src/cli/$name.ts" "$@"
