# Shared by the benchmark scripts: a fresh database $DB (set before sourcing), psql into it,
# and the best-of-trials bookkeeping.
export PGOPTIONS="-c client_min_messages=warning"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
run() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
drop_database() { psql -X -q -d postgres -c "DROP DATABASE $DB"; }

declare -A best
# keep NAME VALUE: best[NAME] becomes the smallest VALUE seen.
keep() { local k=$1 v=$2; if [ -z "${best[$k]:-}" ] || awk "BEGIN{exit !($v < ${best[$k]})}"; then best[$k]=$v; fi; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
