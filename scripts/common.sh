# Shared by scripts/demo.sh and scripts/test.sh: dependencies, build, and a throwaway server.
# PostgreSQL refuses to run as root, so the server runs as the unprivileged `postgres` user,
# in its own data directory, on its own port, listening on loopback only.
set -euo pipefail

LM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LM_PORT=${LM_PORT:-54329}
LM_PGDIR=${LM_PGDIR:-/tmp/link_module_pg_$LM_PORT}
PG_BIN=/usr/lib/postgresql/15/bin
DEPS=(build-essential cmake pkg-config postgresql-15 postgresql-server-dev-15 nlohmann-json3-dev libgtest-dev libipc-run-perl)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages the build and the server need (skipped when all are present).
install_deps() {
	local missing=()
	for pkg in "${DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	# Debian's postgresql-common creates a cluster on install; we use our own, so stop theirs
	# from holding shared memory or port 5432 needlessly (harmless if there is none).
	if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
		pg_lsclusters -h | awk '$4 == "online" {print $1, $2}' | while read -r ver name; do
			as_root pg_ctlcluster "$ver" "$name" stop || true
		done
	fi
}

build_and_install() {
	echo "== building and installing link_module"
	make -C "$LM_ROOT" -j"$(nproc)" -s
	as_root make -C "$LM_ROOT" -s install
}

pg_as_postgres() { as_root runuser -u postgres -- "$@"; }

stop_server() {
	if [ -f "$LM_PGDIR/data/postmaster.pid" ]; then
		pg_as_postgres "$PG_BIN/pg_ctl" -D "$LM_PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
}

# Starts a fresh server; the trap stops it however the script ends.
start_server() {
	stop_server
	as_root rm -rf "$LM_PGDIR"
	as_root install -d -o postgres -g postgres -m 700 "$LM_PGDIR"
	pg_as_postgres "$PG_BIN/initdb" -D "$LM_PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
	pg_as_postgres "$PG_BIN/pg_ctl" -D "$LM_PGDIR/data" -l "$LM_PGDIR/server.log" -w \
		-o "-c listen_addresses=127.0.0.1 -c port=$LM_PORT -c unix_socket_directories=$LM_PGDIR" start >/dev/null
	trap stop_server EXIT
	export PGHOST=$LM_PGDIR PGPORT=$LM_PORT PGUSER=postgres
	echo "== PostgreSQL 15 running on port $LM_PORT (data in $LM_PGDIR/data)"
}
