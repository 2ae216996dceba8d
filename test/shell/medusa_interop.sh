#!/usr/bin/env bash
# Medusa 2.21.2's own code (Link, link modules, query, module services) against link tables that
# Medusa created and link_module adopted: test/interop/medusa. Installs the pinned npm packages
# (npm ci, again only when package-lock.json changes) and runs its node:test suite. Needs
# Node.js >= 20 with npm (the npm registry) and PGPORT/PGUSER of a running server with
# link_module that listens on 127.0.0.1.
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../interop/medusa" && pwd)
command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js and npm are missing (Node.js >= 20)"; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || { echo "Node.js $(node -v) is too old: Medusa 2.21 needs 20 or later"; exit 1; }
# `medusa_interop.sh install` only installs the packages (scripts/test.sh starts that first, to
# download while it builds); the lock makes a concurrent run wait for it.
install_packages() (
	exec 9>"$dir/.install.lock"
	flock 9
	stamp=$dir/node_modules/.link_module-package-lock.json
	if ! cmp -s "$dir/package-lock.json" "$stamp"; then
		cd "$dir" && npm ci --no-audit --no-fund --loglevel=error
		cp "$dir/package-lock.json" "$stamp"
	fi
)
install_packages
[ "${1:-}" = install ] && exit
cd "$dir"
timeout 300 node --test --test-force-exit --test-concurrency=1 interop.test.js
