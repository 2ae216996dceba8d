#!/usr/bin/env bash
# The main job: install dependencies, build and install link_module, start a throwaway
# PostgreSQL and run the demo (demo/demo.sql) against it. Safe to run again.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

install_deps
build_and_install
start_server
psql -X -q -v ON_ERROR_STOP=1 -d postgres -f "$LM_ROOT/demo/demo.sql"
echo "== demo finished; the server is stopped"
