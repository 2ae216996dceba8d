#!/usr/bin/env bash
# Builds PostgreSQL MAJOR (17 or 18) from the upstream sources in Debian's archive into a prefix
# outside the checkout, for building and testing link_module against it:
#   bash scripts/pg_source.sh 18      prints the pg_config of the build (built once, then reused)
# Debian 12 ships only PostgreSQL 15; trixie carries postgresql-17 and sid postgresql-18. Their
# source packages are fetched with a sources list of this script's own (the machine's apt
# configuration and installed packages stay as they are), and built with Debian 12's toolchain.
# (Debian's archive lists postgresql-17's source but, as of December 2026, serves none of its
# files: 17 is tested in a Debian 13 root instead, scripts/debian13.sh.)
# LM_PG_PREFIX: where builds go (default /opt/link_module/pg<MAJOR>); about 9 minutes on 2 cores.
set -euo pipefail
major=${1:?usage: pg_source.sh 17|18}
case $major in
17) suite=trixie ;;
18) suite=sid ;;
*) echo "pg_source.sh: PostgreSQL $major: only 17 and 18 are built from source (15 is Debian 12's)" >&2; exit 2 ;;
esac
prefix=${LM_PG_PREFIX:-/opt/link_module/pg$major}
if [ -x "$prefix/bin/pg_config" ] && [ -f "$prefix/.complete" ]; then
	echo "$prefix/bin/pg_config"
	exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# The build's needs, all Debian 12 packages (the pg_regress and isolation tools are built too).
need=(build-essential bison flex libreadline-dev zlib1g-dev libicu-dev pkg-config bzip2 dpkg-dev libipc-run-perl)
missing=()
for pkg in "${need[@]}"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
	as_root apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/link_module_pgsrc.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
echo "deb-src http://deb.debian.org/debian $suite main" >"$work/apt/sources.list"
apt_opts=(-o Dir::Etc::sourcelist="$work/apt/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/apt/lists"
	-o Dir::Cache="$work/apt/cache" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
echo "== fetching postgresql-$major's source from Debian $suite" >&2
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only "postgresql-$major" >&2) || {
	echo "pg_source.sh: Debian's archive did not serve postgresql-$major's source (above)." >&2
	[ "$major" = 17 ] && echo "LM_PG_VERSION=17 bash scripts/test.sh tests 17 on Debian 13's packages instead (scripts/debian13.sh)." >&2
	exit 1
}
tar xjf "$work"/postgresql-"$major"_*.orig.tar.bz2 -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name "postgresql-$major*" | head -1)
echo "== building $(basename "$src") into $prefix (several minutes)" >&2
(cd "$src" && ./configure --prefix="$prefix" --enable-debug --enable-tap-tests --with-icu --without-llvm >"$work/configure.log" 2>&1) ||
	{ tail -n 30 "$work/configure.log" >&2; exit 1; }
make -C "$src" -s -j"$(nproc)" world-bin >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log" >&2; exit 1; }
as_root make -C "$src" -s install-world-bin >"$work/install.log" 2>&1 || { tail -n 30 "$work/install.log" >&2; exit 1; }
# pg_isolation_regress and its tester, which installcheck of the isolation specs uses
as_root make -C "$src/src/test/isolation" -s install >>"$work/install.log" 2>&1
as_root touch "$prefix/.complete"
echo "$prefix/bin/pg_config"
