#!/usr/bin/env bash
# README.md's SQL runs as written: every ```sql block, in order, in one fresh database. A block
# followed by a ```text block must print exactly that (psql -At: values only, errors as psql
# prints them). Link ids (<prefix>_<ULID>) and timestamps are compared as placeholders, since they
# differ from run to run. Needs PGHOST/PGPORT/PGUSER of a running server.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DB=lm_readme
work=${LM_README_KEEP:-$(mktemp -d)}; mkdir -p "$work"
trap '[ -n "${LM_README_KEEP:-}" ] || rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"

# Splits README.md into block files: NNN.sql, and NNN.expected when an output block follows.
perl -e '
	my ($dir, $file) = @ARGV; open(my $in, "<", $file) or die; my @lines = <$in>;
	my ($n, $i) = (0, 0);
	while ($i < @lines) {
		if ($lines[$i] =~ /^```sql\s*$/) {
			my $sql = ""; $i++;
			while ($lines[$i] !~ /^```\s*$/) { $sql .= $lines[$i++]; }
			$i++; $n++;
			open(my $out, ">", sprintf("%s/%03d.sql", $dir, $n)) or die; print $out $sql; close $out;
			my $j = $i; $j++ while $j < @lines && $lines[$j] =~ /^\s*$/;
			if ($j < @lines && $lines[$j] =~ /^```text\s*$/) {
				my $text = ""; $j++;
				while ($lines[$j] !~ /^```\s*$/) { $text .= $lines[$j++]; }
				open(my $exp, ">", sprintf("%s/%03d.expected", $dir, $n)) or die; print $exp $text; close $exp;
				$i = $j + 1;
			}
		} else { $i++; }
	}
' "$work" "$ROOT/README.md"

normalize() {
	sed -E -e 's/^psql:[^ ]*:[0-9]+: //' \
		-e 's/\b([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}\b/\1_<ULID>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(\+[0-9]{2}(:[0-9]{2})?)?/<timestamp>/g' "$1"
}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
blocks=0 checked=0 failed=0
for sql in "$work"/*.sql; do
	blocks=$((blocks + 1))
	out=${sql%.sql}.out
	psql -X -q -At -d "$DB" -f "$sql" >"$out" 2>&1 || true
	if [ -f "${sql%.sql}.expected" ]; then
		checked=$((checked + 1))
		if ! diff -u <(normalize "${sql%.sql}.expected") <(normalize "$out") >"$work/diff"; then
			echo "README block $blocks printed something else (- README, + actual):"
			cat "$work/diff"
			failed=$((failed + 1))
		fi
	elif grep -q "ERROR" "$out"; then
		echo "README block $blocks (no output shown) failed:"; cat "$out"; failed=$((failed + 1))
	fi
done
psql -X -q -d postgres -c "DROP DATABASE $DB"
echo "README: $blocks SQL blocks run, $checked outputs compared, $failed failed"
[ "$blocks" -gt 0 ] && [ "$failed" -eq 0 ]
