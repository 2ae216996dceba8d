# link_restore against the link_delete it undoes (the baseline): of 8,000 products and of all N,
# on lib.sh's cascade shape (three links each, a deleteCascade brand), and the restore of a soft
# delete (clearing the column) against that soft delete.
fresh_database lm_bench_restore
run -c "CREATE EXTENSION link_module" >/dev/null
cascade_schema
cascade_fill "$N"
ids() { echo "jsonb_build_object('casc', jsonb_build_object('item_id', (SELECT jsonb_agg('p' || i) FROM generate_series(1, $1) i)))"; }
for t in $(seq 1 "$TRIALS"); do
	for n in 8000 "$N"; do
		sample "delete-$n" "$(time_ms "SELECT link_delete($(ids "$n")) IS NOT NULL")"
		sample "restore-$n" "$(time_ms "SELECT link_restore($(ids "$n")) IS NOT NULL")"
	done
	sample soft "$(time_ms "UPDATE casc.item SET deleted_at = now() WHERE deleted_at IS NULL")"
	sample unsoft "$(time_ms "UPDATE casc.item SET deleted_at = NULL WHERE deleted_at IS NOT NULL")"
done
report "link_restore 8000 products vs their link_delete" restore-8000 delete-8000
report "link_restore $N products vs their link_delete" "restore-$N" "delete-$N"
report "restore (clear deleted_at) $N products vs their soft delete" unsoft soft
drop_database
