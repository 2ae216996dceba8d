# Sourced by scripts/test.sh when PG_VERSIONS is set: the whole suite once per PostgreSQL version
# given (LM_PG_VERSION; 15, 17, 18), each run's output as it comes, then each version's result and
# the sum, in the same "N passed, N failed" line. Versions Debian 12 does not package are built
# once, outside the checkout (scripts/pg_source.sh), or, for 17, tested in a Debian 13 root
# (scripts/debian13.sh).
set -uo pipefail
read -ra versions <<<"$PG_VERSIONS"
for version in "${versions[@]}"; do
	case $version in 15 | 17 | 18) ;; *) echo "PG_VERSIONS: PostgreSQL $version is not one link_module supports (15, 17, 18)" >&2; exit 2 ;; esac
done
[ "${#versions[@]}" -gt 0 ] || { echo "PG_VERSIONS names no version (15, 17, 18)" >&2; exit 2; }
versions_passed=0
versions_failed=0
results=()
for version in "${versions[@]}"; do
	echo "==== PostgreSQL $version"
	out=$(mktemp)
	LM_PG_VERSION=$version PG_VERSIONS='' bash "${BASH_SOURCE[0]%/*}/test.sh" 2>&1 | tee "$out"
	summary=$(tail -n 1 "$out")
	rm -f "$out"
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		versions_passed=$((versions_passed + BASH_REMATCH[1]))
		versions_failed=$((versions_failed + BASH_REMATCH[2]))
		results+=("$version: $summary")
	else
		versions_failed=$((versions_failed + 1))
		results+=("$version: no summary (the run stopped early)")
	fi
done
echo "==== by version: $(IFS=';'; echo "${results[*]}" | sed 's/;/; /g')"
echo "$versions_passed passed, $versions_failed failed"
[ "$versions_failed" -eq 0 ]
