#!/usr/bin/env bash
# libFuzzer over the C++ core's parsers: builds test/fuzz/core_fuzzer.cpp with
# clang++ -fsanitize=fuzzer,address,undefined, replays the hostile inputs of issue 8 (deep
# nesting, long paths, wide objects; generated here, too big to commit) one by one, then fuzzes
# from test/fuzz/corpus for SECONDS (default 60). Prints every finding (crash, non-Error
# exception, sanitizer report, timeout) once per kind with the input, and ends with
# "N passed, N failed" (a passed replay or fuzzing run without finding). Safe to run again.
#
#   bash scripts/fuzz.sh [SECONDS]
#
# LM_FUZZ_DIR (default /tmp/link_module_fuzz) holds the build, the grown corpus and the
# artifacts; LM_FUZZ_JOBS (default 1) parallel fuzzing jobs; LM_FUZZ_TIMEOUT (default 10) the
# seconds one input may take.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECONDS_TO_FUZZ=${1:-60}
OUT=${LM_FUZZ_DIR:-/tmp/link_module_fuzz}
JOBS=${LM_FUZZ_JOBS:-1}
TIMEOUT=${LM_FUZZ_TIMEOUT:-10}
DEPS+=(clang-14 libclang-rt-14-dev)
install_deps
CXX=$(command -v clang++-14 || command -v clang++)

mkdir -p "$OUT"
rm -rf "$OUT/artifacts" "$OUT/hostile" "$OUT/replay"
mkdir -p "$OUT/artifacts" "$OUT/hostile" "$OUT/replay" "$OUT/corpus"
passed=0
failed=0

echo "== building core_fuzzer ($CXX -fsanitize=fuzzer,address,undefined)"
json_include=$(dirname "$(dirname "$(find /usr/include -path '*nlohmann/json.hpp' | head -n 1)")")
"$CXX" -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$LM_ROOT/src" -I"$json_include" \
	"$LM_ROOT/test/fuzz/core_fuzzer.cpp" "$LM_ROOT"/src/core/*.cpp -o "$OUT/core_fuzzer"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:symbolize=1:print_stacktrace=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# The hostile inputs of issue 8, in the core's terms (the JSON each SQL call hands the core).
python3 - "$OUT/hostile" <<'PY'
import sys, os
d = sys.argv[1]
def put(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
put("graph_not_on_field_8000", '{"entity":"product","filters":{"id":' + '{"$not":' * 8000 + '"x"' + '}' * 8000 + '}}')
put("graph_not_filters_10000", '{"entity":"product","filters":' + '{"$not":' * 10000 + '{"id":"x"}' + '}' * 10000 + '}')
put("graph_and_filters_10000", '{"entity":"product","filters":' + '{"$and":[' * 10000 + '{"id":"x"}' + ']}' * 10000 + '}')
put("graph_path_500000", '{"entity":"product","fields":["' + 'a.' * 500000 + 'id"]}')
put("graph_path_post_20000", '{"entity":"product_post","fields":["' + 'product.post.' * 20000 + 'id"]}')
put("side_alias_nested_100000", '{"linkable":"a.b","alias":' + '[' * 100000 + ']' * 100000 + '}')
put("array_nested_100000", '[' * 100000 + ']' * 100000)
put("object_nested_100000", '{"a":' * 100000 + '1' + '}' * 100000)
put("options_extra_nested_50000", '{"database":{"extraColumns":{"c":{"type":"json","defaultValue":' + '[' * 50000 + ']' * 50000 + '}}}}')
put("payload_data_80000_keys", '{"product":{"product_id":"p1"},"blog":{"post_id":"b1"},"data":{' + ','.join('"k%d":1' % i for i in range(80000)) + '}}')
put("graph_filters_40000_keys", '{"entity":"product","filters":{' + ','.join('"k%d":1' % i for i in range(40000)) + '}}')
put("graph_fields_40000_roots", '{"entity":"product","fields":[' + ','.join('"r%d.id"' % i for i in range(40000)) + ']}')
put("records_200000_ids", '{"product":{"product_id":[' + ','.join('"p%d"' % i for i in range(200000)) + ']}}')
put("payload_list_3000x3000", '{"product":{"product_id":[' + ','.join('"p%d"' % i for i in range(3000)) + ']},"blog":{"note_id":[' + ','.join('"n%d"' % i for i in range(3000)) + ']}}')
put("numbers_odd", '{"entity":"product","filters":{"price":1e400,"title":1.00000000000000000001}}')
PY

echo "== replaying the hostile inputs (each at most ${TIMEOUT}s)"
for input in "$OUT"/hostile/*; do
	name=$(basename "$input")
	start=$(date +%s%N)
	rc=0
	LM_FUZZ_TRACE=1 "$OUT/core_fuzzer" -timeout="$TIMEOUT" -rss_limit_mb=4096 "$input" >"$OUT/replay/$name.txt" 2>&1 || rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	finding=$(grep -m1 -oE 'ERROR: AddressSanitizer: [a-z-]+|runtime error: .{0,120}|non-Error exception from .{0,160}|ERROR: libFuzzer: [a-z-]+|out-of-memory' "$OUT/replay/$name.txt" || true)
	where=$(grep -oE 'core_fuzzer step .*' "$OUT/replay/$name.txt" | tail -n 1 | cut -d' ' -f3-)
	[ -z "$where" ] || finding="$finding in $where"
	frame=$(grep -m1 -oE 'in link_module::[A-Za-z_:]+(\(anonymous namespace\)::[A-Za-z_:]+)?' "$OUT/replay/$name.txt" | head -n 1 || true)
	[ -z "$frame" ] || finding="$finding, innermost core frame $frame"
	if [ "$rc" -eq 0 ]; then
		echo "replay $name ... ok (${ms} ms)"; passed=$((passed + 1))
	else
		echo "replay $name ... FAILED (${ms} ms): ${finding:-exit $rc}"; failed=$((failed + 1))
	fi
done

echo "== fuzzing for ${SECONDS_TO_FUZZ}s ($JOBS job(s); corpus $OUT/corpus, seeds test/fuzz/corpus)"
# -fork keeps fuzzing past a crash or timeout (deep nesting crashes today), saving each.
"$OUT/core_fuzzer" "$OUT/corpus" "$LM_ROOT/test/fuzz/corpus" -fork="$JOBS" -ignore_crashes=1 -ignore_timeouts=1 \
	-ignore_ooms=1 -max_total_time="$SECONDS_TO_FUZZ" -timeout="$TIMEOUT" -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$OUT/artifacts/" -print_final_stats=1 >"$OUT/fuzz.log" 2>&1 || true
grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|cov:' "$OUT/fuzz.log" | tail -n 2

show() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(repr(d[:300])[2:-1] + ("... (%d bytes)" % len(d) if len(d) > 300 else ""))' "$1"; }

# One line per kind of finding, with the smallest input of that kind.
declare -A smallest=()
kinds=0
for artifact in "$OUT"/artifacts/*; do
	[ -f "$artifact" ] || continue
	LM_FUZZ_TRACE=1 "$OUT/core_fuzzer" -timeout="$TIMEOUT" "$artifact" >"$OUT/replay/artifact.txt" 2>&1 && continue
	kind=$(grep -m1 -oE 'ERROR: AddressSanitizer: [a-z-]+|runtime error: [^0-9]{0,80}|non-Error exception from [A-Za-z:()]+: [A-Za-z0-9_]+|ERROR: libFuzzer: [a-z-]+' "$OUT/replay/artifact.txt" || echo "exit $(basename "$artifact" | cut -d- -f1)")
	frame=$(grep -oE 'core_fuzzer step .*' "$OUT/replay/artifact.txt" | tail -n 1 | cut -d' ' -f3-)
	key="$kind $frame"
	if [ -z "${smallest[$key]:-}" ] || [ "$(stat -c %s "$artifact")" -lt "$(stat -c %s "${smallest[$key]}")" ]; then
		[ -n "${smallest[$key]:-}" ] || kinds=$((kinds + 1))
		smallest[$key]=$artifact
	fi
done
if [ "$kinds" -eq 0 ]; then
	echo "fuzz core_fuzzer ... ok (no finding)"; passed=$((passed + 1))
else
	for key in "${!smallest[@]}"; do
		artifact=${smallest[$key]}
		echo "fuzz finding: $key"
		echo "  input ($artifact): $(show "$artifact")"
	done
	failed=$((failed + kinds))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
