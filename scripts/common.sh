# Shared by scripts/demo.sh and scripts/test.sh: dependencies, build, and a throwaway server.
# PostgreSQL refuses to run as root, so the server runs as the unprivileged `postgres` user,
# in its own data directory, on its own port, listening on loopback only.
set -euo pipefail

LM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LM_PORT=${LM_PORT:-54329}
LM_PGDIR=${LM_PGDIR:-/tmp/link_module_pg_$LM_PORT}
# postgresql-common: the `postgres` user the servers run as (a server built from source has none).
DEPS=(build-essential cmake pkg-config nlohmann-json3-dev libgtest-dev libipc-run-perl postgresql-common)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# LM_PG_VERSION: the PostgreSQL to build against, test and run: 15, 17 or 18. The default is the
# one the machine's Debian release packages (Debian 12: 15, Debian 13: 17), from Debian's
# packages; another is built from source by scripts/pg_source.sh, once, outside the checkout.
# (scripts/test.sh runs 17 on Debian 12 in a Debian 13 root: scripts/debian13.sh.)
debian_pg_version() { (. /etc/os-release && case ${VERSION_CODENAME:-} in bookworm) echo 15 ;; trixie) echo 17 ;; esac); }
LM_PG_VERSION=${LM_PG_VERSION:-$(debian_pg_version)}
LM_PG_VERSION=${LM_PG_VERSION:-15}
if [ "$LM_PG_VERSION" = "$(debian_pg_version)" ]; then
	DEPS+=("postgresql-$LM_PG_VERSION" "postgresql-server-dev-$LM_PG_VERSION")
	PG_BIN=/usr/lib/postgresql/$LM_PG_VERSION/bin
else
	PG_BIN=${LM_PG_PREFIX:-/opt/link_module/pg$LM_PG_VERSION}/bin
fi
# The chosen server's programs (psql, pg_dump, pg_regress's pg_config) come first, and make and
# the tests build against it.
export PATH=$PG_BIN:$PATH PG_CONFIG=$PG_BIN/pg_config LM_PG_VERSION

# Installs the Debian packages the build and the server need, and those given (skipped when all
# are present).
install_deps() {
	local missing=()
	for pkg in "${DEPS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	if [ "$PG_BIN" != "/usr/lib/postgresql/$LM_PG_VERSION/bin" ]; then # built once, then at once
		LM_PG_PREFIX=$(dirname "$PG_BIN") bash "$LM_ROOT/scripts/pg_source.sh" "$LM_PG_VERSION" >/dev/null
	fi
	# Debian's postgresql-common creates and starts its own cluster (15/main, port 5432) when it
	# installs the server. The scripts never touch a server they did not start: that one, or a
	# developer's own, keeps running.
}

build_and_install() {
	echo "== building and installing link_module (the first build takes a few minutes)"
	make -C "$LM_ROOT" -j"$(nproc)" -s PG_CONFIG="$PG_CONFIG"
	as_root make -C "$LM_ROOT" -s install PG_CONFIG="$PG_CONFIG"
}

pg_as_postgres() { as_root runuser -u postgres -- "$@"; }

stop_server() {
	if [ -f "$LM_PGDIR/data/postmaster.pid" ]; then
		pg_as_postgres "$PG_BIN/pg_ctl" -D "$LM_PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
}

# Starts PostgreSQL on data directory $1 with log $2, port $LM_PORT; on failure shows the log.
pg_start() {
	if ! pg_as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$2" -w \
		-o "-c listen_addresses=127.0.0.1 -c port=$LM_PORT -c unix_socket_directories=$(dirname "$1")" start >/dev/null; then
		echo "PostgreSQL did not start; the end of its log ($2):" >&2
		tail -n 5 "$2" >&2 || true
		echo "If port $LM_PORT is in use, choose another with LM_PORT=<port>." >&2
		return 1
	fi
}

# Starts a fresh server; the trap stops it however the script ends.
start_server() {
	stop_server
	as_root rm -rf "$LM_PGDIR"
	as_root install -d -o postgres -g postgres -m 700 "$LM_PGDIR"
	pg_as_postgres "$PG_BIN/initdb" -D "$LM_PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
	trap stop_server EXIT
	pg_start "$LM_PGDIR/data" "$LM_PGDIR/server.log"
	export PGHOST=$LM_PGDIR PGPORT=$LM_PORT PGUSER=postgres
	echo "== PostgreSQL $LM_PG_VERSION running on port $LM_PORT (data in $LM_PGDIR/data)"
}
