#!/usr/bin/env bash
# Load test (test/load/load.sh): 8 clients for LM_LOAD_SECONDS (60) of mixed link operations,
# cascades, graph reads and DDL in a database of its own (lm_load), then the invariants and
# the SQLSTATEs seen. Needs PGHOST/PGPORT/PGUSER of a running server (scripts/test.sh's).
# PG_BIN, else the bin dir of PG_CONFIG (default pg_config), has psql, pgbench, createdb.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=${PG_BIN:-$("${PG_CONFIG:-pg_config}" --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)} exec bash "$root/test/load/load.sh"
