#!/usr/bin/env bash
# README.md's examples run as written: every ```sql block (psql -At: values only, errors as psql
# prints them), ```js block (Node.js with node-pg) and ```python block (psycopg 3), in order, on
# one fresh database. A block followed by a ```text block must print exactly that. Link ids
# (<prefix>_<ULID>) and timestamps are compared as placeholders, since they differ from run to
# run. Needs PGHOST/PGPORT/PGUSER of a running server; node-pg from test/interop/medusa's
# node_modules (test/shell/medusa_interop.sh installs it) and python3-psycopg.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DB=lm_readme
work=${LM_README_KEEP:-$(mktemp -d)}; mkdir -p "$work"
trap '[ -n "${LM_README_KEEP:-}" ] || rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"

# Splits README.md into block files: NNN.sql, NNN.js or NNN.py, and NNN.expected when an output
# block follows.
perl -e '
	my ($dir, $file) = @ARGV; open(my $in, "<", $file) or die; my @lines = <$in>;
	my ($n, $i) = (0, 0);
	while ($i < @lines) {
		if ($lines[$i] =~ /^```(sql|js|python)\s*$/) {
			my $ext = $1 eq "python" ? "py" : $1;
			my $code = ""; $i++;
			while ($lines[$i] !~ /^```\s*$/) { $code .= $lines[$i++]; }
			$i++; $n++;
			open(my $out, ">", sprintf("%s/%03d.%s", $dir, $n, $ext)) or die; print $out $code; close $out;
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

# README's setup example creates the role link_app (the database's objects go with it first).
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS link_app" -c "CREATE DATABASE $DB"
node_modules=$ROOT/test/interop/medusa/node_modules
python=$(command -v /usr/bin/python3 || command -v python3)
blocks=0 checked=0 failed=0
for code in "$work"/[0-9][0-9][0-9].*; do
	case $code in
	*.sql) run=(psql -X -q -At -d "$DB" -f "$code") ;;
	*.js) run=(env NODE_PATH="$node_modules" PGDATABASE="$DB" node "$code") ;;
	*.py) run=(env PGDATABASE="$DB" "$python" "$code") ;;
	*) continue ;;
	esac
	blocks=$((blocks + 1))
	base=${code%.*}
	"${run[@]}" >"$base.out" 2>&1 || true
	if [ -f "$base.expected" ]; then
		checked=$((checked + 1))
		if ! diff -u <(normalize "$base.expected") <(normalize "$base.out") >"$work/diff"; then
			echo "README block $blocks ($(basename "$code")) printed something else (- README, + actual):"
			cat "$work/diff"
			failed=$((failed + 1))
		fi
	elif grep -q "ERROR\|Error" "$base.out"; then
		echo "README block $blocks ($(basename "$code"), no output shown) failed:"; cat "$base.out"; failed=$((failed + 1))
	fi
done
psql -X -q -d postgres -c "DROP DATABASE $DB" -c "DROP ROLE IF EXISTS link_app"
echo "README: $blocks blocks run, $checked outputs compared, $failed failed"
[ "$blocks" -gt 0 ] && [ "$failed" -eq 0 ]
