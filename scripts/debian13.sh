#!/usr/bin/env bash
# Runs a command in a Debian 13 (trixie) root, on a copy of this checkout, as root. This is how
# scripts/test.sh tests PostgreSQL 17 on Debian 12: on the postgresql-17 packages Debian 13's
# users run. (Debian's archive serves postgresql-17's binary packages but, as of December 2026,
# not the source scripts/pg_source.sh would build from; and trixie's binaries need trixie's libc.)
#
#   bash scripts/debian13.sh <command> [args...]   e.g. LM_PG_VERSION=17 bash scripts/debian13.sh bash scripts/test.sh
#
# The root is made once with debootstrap from Debian's archive (a few minutes, about 1 GB) in
# /opt/link_module/debian13 (LM_DEBIAN13_ROOT), and kept. Before each command the checkout is
# copied to /srv/link_module in it (build outputs left out; the copy's own build directory and
# npm packages are kept between runs). /proc and /dev are mounted in a mount namespace of the
# command's own, so nothing stays mounted when it ends.
set -euo pipefail
[ "$#" -gt 0 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ "$(id -u)" -eq 0 ] || exec sudo --preserve-env bash "$0" "$@"
LM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${LM_DEBIAN13_ROOT:-/opt/link_module/debian13}

if [ ! -f "$root/.complete" ]; then
	command -v debootstrap >/dev/null || {
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	}
	# The root is made in $root.tmp, marked as this script's, and moved into place when complete.
	# Only a directory with that mark is ever removed; debootstrap and apt run in a mount
	# namespace of their own, so what they mount goes with them.
	if [ -e "$root" ]; then echo "debian13: $root exists but is no complete root of this script's; not touching it" >&2; exit 1; fi
	if [ -e "$root.tmp" ]; then
		[ -f "$root.tmp/.link_module_debian13" ] || { echo "debian13: $root.tmp is not this script's; not touching it" >&2; exit 1; }
		rm -rf --one-file-system "$root.tmp"
	fi
	echo "== making a Debian 13 root in $root (debootstrap; a few minutes, once)"
	mkdir -p "$root.tmp"
	touch "$root.tmp/.link_module_debian13"
	log=$(dirname "$root")/debian13.log
	in_namespace() { unshare --mount --propagation private -- "$@"; }
	in_namespace debootstrap --variant=minbase trixie "$root.tmp" http://deb.debian.org/debian >"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; exit 1; }
	# Packages installed in the root start no services there (its PostgreSQL would take port
	# 5432 on the host's network), and postgresql-common creates no cluster of its own.
	printf '#!/bin/sh\nexit 101\n' >"$root.tmp/usr/sbin/policy-rc.d"
	chmod +x "$root.tmp/usr/sbin/policy-rc.d"
	mkdir -p "$root.tmp/etc/postgresql-common"
	echo "create_main_cluster = false" >"$root.tmp/etc/postgresql-common/createcluster.conf"
	cp /etc/resolv.conf /etc/hosts "$root.tmp/etc/"
	# What the tests need besides scripts/common.sh's packages: git (the upgrade test reads the
	# history; the copy belongs to root), Node.js and npm (Medusa's code), psycopg (README's
	# Python example).
	in_namespace chroot "$root.tmp" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates git nodejs npm python3-psycopg &&
		       git config --system --add safe.directory /srv/link_module' \
		>>"$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }
	touch "$root.tmp/.complete"
	mv "$root.tmp" "$root"
fi
# The machine's own name resolution and trust (a CA of its own, npm's cafile): the root reaches
# the registries as the machine does.
cp /etc/resolv.conf /etc/hosts "$root/etc/"
if [ -d /usr/local/share/ca-certificates ]; then
	cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
	chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
[ ! -f /etc/npmrc ] || cp /etc/npmrc "$root/etc/npmrc"

# The checkout's copy: everything but build outputs and npm packages, which the copy keeps its
# own. Readable by all: the tests run programs as the postgres user.
copy=$root/srv/link_module
mkdir -p "$copy"
find "$copy" -mindepth 1 -maxdepth 1 ! -name build ! -name test -exec rm -rf {} +
[ -d "$copy/test" ] && find "$copy/test" -mindepth 1 -maxdepth 1 ! -name interop -exec rm -rf {} +
[ -d "$copy/test/interop" ] && find "$copy/test/interop" -mindepth 1 -maxdepth 1 ! -name medusa -exec rm -rf {} +
[ -d "$copy/test/interop/medusa" ] && find "$copy/test/interop/medusa" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
tar -C "$LM_ROOT" --exclude=./build --exclude=./results --exclude=./output_iso --exclude=./tmp_check \
	--exclude=./output_random --exclude=node_modules --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude='*.d' --exclude=./.pg_build --exclude='regression.*' -cf - . | tar -C "$copy" --no-same-owner -xf -
chmod 755 "$copy"

env_args=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
# The LM_* settings, and the machine's proxy and certificate settings.
while IFS='=' read -r name _; do env_args+=("$name=${!name}"); done < <(env |
	grep -E '^(LM_[A-Z0-9_]+|[A-Z_]*(CA_CERTS|CERT_FILE|CERT_DIR|CA_BUNDLE|CAINFO)|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY)=' || true)
exec unshare --mount --propagation private -- bash -c '
	root=$1; shift
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	exec chroot "$root" env -i "$@"' - "$root" "${env_args[@]}" bash -c 'cd /srv/link_module && exec "$@"' - "$@"
