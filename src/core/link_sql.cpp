#include "core/link_sql.hpp"

#include "core/cpp_only.hpp"
#include <tuple>

namespace link_module::link_sql {

namespace {

std::string
Table(const LinkDefinition &link, const Quoter &q) {
	return q.Qualified(link.schema, link.names.table);
}

/* The input rows of a create or update: typed ids and each row's data object. OFFSET 0 keeps
 * the subquery from being flattened, so each row's data is looked up once, without
 * materializing the input. */
std::string
InputRows(const LinkDefinition &link) {
	return "(SELECT u.ord, u.l::" + link.left.key_type + " AS l, u.r::" + link.right.key_type +
	       " AS r, u.gid, coalesce(u.merged::jsonb, CASE WHEN jsonb_typeof($7) = 'array' THEN $7 -> u.idx "
	       "ELSE $7 END -> 'data') AS data "
	       "FROM unnest($1::int4[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[]) "
	       "AS u(ord, l, r, idx, merged, gid) OFFSET 0)";
}

/* The input rows with their data converted to the table's column types (p). */
std::string
Populated(const LinkDefinition &link, const Quoter &q) {
	return "FROM " + InputRows(link) + " i LEFT JOIN LATERAL jsonb_populate_record(NULL::" + Table(link, q) +
	       ", i.data) AS p ON true ";
}

/* `rows` (a subquery with l and r) joined to the link rows they name, as (rows) AS i with the
 * row's tid: a LATERAL primary-key probe per input row, so the input always drives the join,
 * whatever the table's statistics say (a nested loop scanning the table for each input row
 * would be quadratic). FOR UPDATE waits for concurrent writers and yields the latest version,
 * which the UPDATE then reaches by its tid. `deleted` (a condition on deleted_at: "IS NULL",
 * "= $3", or "" for none) is checked on that version, outside the probe (OFFSET 0 keeps it out):
 * inside, the planner could use it as the index condition instead of the key (the deleted_at
 * index, after statistics that see no active row), and scan per input row. On a distributed link
 * table, the rows alone (TargetMatch). */
std::string
Targets(const LinkDefinition &link, const Quoter &q, const std::string &rows, const std::string &deleted) {
	if (link.Distributed())
		return rows + " AS i ";
	return "(SELECT i0.*, x.tid FROM " + rows + " AS i0 CROSS JOIN LATERAL (SELECT y.ctid AS tid, y.deleted_at FROM " +
	       Table(link, q) + " y WHERE y." + q.ident(link.left.key) + " = i0.l AND y." + q.ident(link.right.key) +
	       " = i0.r FOR UPDATE OFFSET 0) x" + (deleted.empty() ? "" : " WHERE x.deleted_at " + deleted) + " OFFSET 0) i ";
}

/* How the UPDATE's row t meets its target i: by the tid; on a distributed link table (Citus
 * plans no tid join, nor a row lock on several shards), by the keys, with `deleted` checked on
 * t, the version the UPDATE itself locks and rechecks. */
std::string
TargetMatch(const LinkDefinition &link, const Quoter &q, const std::string &deleted) {
	if (!link.Distributed())
		return "t.ctid = i.tid";
	return "t." + q.ident(link.left.key) + " = i.l AND t." + q.ident(link.right.key) + " = i.r" +
	       (deleted.empty() ? "" : " AND t.deleted_at " + deleted);
}

/* A fence that keeps a LATERAL probe's conditions out of its index choice: Citus plans no
 * LATERAL subquery with one on a distributed table. */
std::string
Fence(const LinkDefinition &link) {
	return link.Distributed() ? "" : " OFFSET 0";
}

/* The written row of `table` (aliased t) as its row type. Written `t.*`, never `t`: an extra
 * column named t would be taken for it. */
std::string
WholeRow(const std::string &table) {
	return "ROW(t.*)::" + table;
}

/* A column's value: the data's when the data has the key, `otherwise` when it has not. */
std::string
Given(const std::string &column, const std::string &otherwise, const Quoter &q) {
	return "CASE WHEN i.data ? " + q.literal(column) + " THEN p." + q.ident(column) + " ELSE " + otherwise + " END";
}

std::string
DefaultOf(const ExtraColumn &column, const Quoter &q) {
	if (column.default_function)
		return *column.default_function;
	if (column.default_literal)
		return q.literal(*column.default_literal) + "::" + column.sql_type;
	return "NULL";
}

/* The outcome of a write: first one row with the row numbers of $1 not written (NULL when all
 * were; computed only when the count falls short, NOT IN running as a hashed subplan, linear
 * even under the generic plan's small row estimates), then each written row (`written`, row:
 * the link row) as jsonb with its id when `notify` is on, in `order` (empty: the order they
 * were written). Rows, not one jsonb_agg: the caller copies each value's binary form into the
 * result, where jsonb_agg would take every value apart (a third of a large link_create). */
std::string
Outcome(const std::string &not_written, const char *notify, const std::string &order) {
	return " (SELECT NULL::jsonb, NULL::text, CASE WHEN (SELECT count(*) FROM written) < cardinality($1::int4[]) THEN (" +
	       not_written + ") END) UNION ALL (SELECT to_jsonb(w.row), CASE WHEN " + std::string(notify) +
	       " THEN (w.row).id::text END, NULL::int4[] FROM written w" + order + ")";
}

const char *kNotWrittenOrds =
    "SELECT array_agg(u.ord ORDER BY u.ord) FROM unnest($1::int4[]) AS u(ord) "
    "WHERE u.ord NOT IN (SELECT w.ord__ FROM written w)";

/* A revival that would give a unique key a second active partner. */
std::string
RevivalConflicts(const LinkDefinition &link, const Quoter &q) {
	const std::string table = Table(link, q);
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	std::string conflicts;
	if (link.LeftKeyUnique())
		conflicts += "(o." + lk + " = t." + lk + " AND o." + rk + " <> t." + rk + ")";
	if (link.RightKeyUnique())
		conflicts += std::string(conflicts.empty() ? "" : " OR ") + "(o." + rk + " = t." + rk + " AND o." + lk +
		             " <> t." + lk + ")";
	if (conflicts.empty())
		return "false";
	return "EXISTS (SELECT 1 FROM " + table + " o WHERE o.deleted_at IS NULL AND (" + conflicts + "))";
}

/* The UPDATE shared by CreateUpdate and UpdateExisting: data keys given replace values,
 * missing ones keep them; updated_at moves only when something changes. */
std::string
UpdateStatement(const LinkDefinition &link, const Quoter &q, bool revive) {
	const std::string table = Table(link, q);
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	std::string sets;
	std::string changed = revive ? "t.deleted_at IS NOT NULL" : "false";
	auto assign = [&](const std::string &column) {
		std::string value = Given(column, "t." + q.ident(column), q);
		sets += q.ident(column) + " = " + value + ", ";
		changed += " OR (" + value + ") IS DISTINCT FROM t." + q.ident(column);
	};
	assign("id");
	for (const auto &column : link.extra_columns)
		assign(column.name);

	std::string where = TargetMatch(link, q, revive ? "" : "IS NULL");
	/* A dismissed pair is not revived over another active partner of a unique key. */
	if (revive && (link.LeftKeyUnique() || link.RightKeyUnique()))
		where += " AND (t.deleted_at IS NULL OR NOT " + RevivalConflicts(link, q) + ")";
	return "WITH written AS (UPDATE " + table + " AS t SET " + sets +
	       "deleted_at = NULL, updated_at = CASE WHEN " + changed + " THEN $9 ELSE t.updated_at END FROM " +
	       Targets(link, q, InputRows(link), revive ? "" : "IS NULL") +
	       "LEFT JOIN LATERAL jsonb_populate_record(NULL::" + table + ", i.data) AS p ON true WHERE " + where +
	       " RETURNING " + WholeRow(table) + " AS row, i.ord AS ord__)" + Outcome(kNotWrittenOrds, "$8", " ORDER BY w.ord__");
}

} // namespace

std::string
CreateInsert(const LinkDefinition &link, const Quoter &q) {
	const std::string table = Table(link, q);
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	std::string columns = lk + ", " + rk + ", id";
	std::string values = "i.l, i.r, coalesce(p.id, i.gid)";
	for (const auto &column : link.extra_columns) {
		columns += ", " + q.ident(column.name);
		values += ", " + Given(column.name, DefaultOf(column, q), q);
	}
	/* ON CONFLICT without a target: every unique index is an arbiter, so an existing pair and a
	 * cardinality conflict both leave the row over, without an error. Rows are inserted, and
	 * come back, in input order. */
	return "WITH written AS (INSERT INTO " + table + " AS t (" + columns + ") SELECT " + values + " " +
	       Populated(link, q) + "ON CONFLICT DO NOTHING RETURNING " + WholeRow(table) + " AS row)" +
	       Outcome("SELECT array_agg(u.ord ORDER BY u.ord) FROM unnest($1::int4[], $2::text[], $3::text[]) "
	               "AS u(ord, l, r) WHERE (u.l::" + link.left.key_type + ", u.r::" + link.right.key_type +
	                   ") NOT IN (SELECT (w.row)." + lk + ", (w.row)." + rk + " FROM written w)",
	               "$8", "");
}

std::string
CreateUpdate(const LinkDefinition &link, const Quoter &q) {
	return UpdateStatement(link, q, true);
}

std::string
UpdateExisting(const LinkDefinition &link, const Quoter &q) {
	return UpdateStatement(link, q, false);
}

std::string
Dismiss(const LinkDefinition &link, const Quoter &q) {
	const std::string input = "(SELECT u.ord, u.l::" + link.left.key_type + " AS l, u.r::" + link.right.key_type +
	                          " AS r FROM unnest($1::int4[], $2::text[], $3::text[]) AS u(ord, l, r))";
	return "WITH written AS (UPDATE " + Table(link, q) + " AS t SET deleted_at = now(), updated_at = now() FROM " +
	       Targets(link, q, input, "IS NULL") + "WHERE " + TargetMatch(link, q, "IS NULL") + " RETURNING " +
	       WholeRow(Table(link, q)) + " AS row, i.ord AS ord__)" +
	       Outcome("SELECT NULL::int4[]", "$4", " ORDER BY w.ord__");
}

std::string
List(const LinkDefinition &link, const Quoter &q, bool as_definition) {
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	std::string row = "to_jsonb(z.*)";
	if (as_definition) {
		/* Medusa's LinkDefinition: {moduleA: {keyA}, moduleB: {keyB}, data?: {extra columns}}. */
		auto key = [&](const LinkSide &side) { return q.literal(side.key) + ", z." + q.ident(side.key) + "::text"; };
		if (link.left.module == link.right.module)
			row = "jsonb_build_object(" + q.literal(link.left.module) + ", jsonb_build_object(" + key(link.left) +
			      ", " + key(link.right) + ")";
		else
			row = "jsonb_build_object(" + q.literal(link.left.module) + ", jsonb_build_object(" + key(link.left) +
			      "), " + q.literal(link.right.module) + ", jsonb_build_object(" + key(link.right) + ")";
		if (!link.extra_columns.empty()) {
			std::string data;
			for (const auto &column : link.extra_columns)
				data += (data.empty() ? "" : ", ") + q.literal(column.name) + ", z." + q.ident(column.name);
			row += ", 'data', jsonb_build_object(" + data + ")";
		}
		row += ")";
	}
	const std::string table = Table(link, q);
	/* Rows found twice (a pair asked again, or found both ways) are one: grouped by their keys,
	 * and read once, by them, at the end. The probes by left id are fenced (OFFSET 0) so that
	 * the join to the right ids comes after them (joined first on the entry, the two lists would
	 * form every pair). */
	const std::string live = " AND ($11 OR x.deleted_at IS NULL)" + Fence(link) + ")";
	/* A row's tuple id tells it from the others of an earlier chunk; on a distributed table,
	 * whose shards share tuple ids, its keys do. */
	const std::string tid = link.Distributed() ? "(z." + lk + ", z." + rk + ")" : "z.ctid";
	return "SELECT t.row, CASE WHEN $12 THEN t.tid::text END FROM (SELECT f.l, f.r, min(f.lo) AS lo, min(f.ro) AS ro "
	       "FROM ("
	       "SELECT y.l, y.r, p.lo, p.ro FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[]) AS p(lo, ro, l, r) "
	       "CROSS JOIN LATERAL (SELECT x." + lk + " AS l, x." + rk + " AS r FROM " + table + " x WHERE x." + lk +
	       " = p.l::" + link.left.key_type + " AND x." + rk + " = p.r::" + link.right.key_type + live + " y "
	       "UNION ALL SELECT g.l, g.r, g.lo, b.ro FROM (SELECT a.e, a.lo, y.l, y.r FROM unnest($5::int4[], $6::int4[], "
	       "$7::text[]) AS a(e, lo, id) CROSS JOIN LATERAL (SELECT x." + lk + " AS l, x." + rk + " AS r FROM " + table +
	       " x WHERE x." + lk + " = a.id::" + link.left.key_type + live + " y" + Fence(link) + ") g JOIN unnest($8::int4[], "
	       "$9::int4[], $10::text[]) AS b(e, ro, id) ON b.e = g.e AND g.r = b.id::" + link.right.key_type +
	       /* ids given alone: every row of theirs; a right key's active rows through its partial
	        * index, the dismissed ones (withDeleted) only when asked */
	       " UNION ALL SELECT y.l, y.r, a.lo, -1 FROM unnest($13::int4[], $14::text[]) AS a(lo, id) CROSS JOIN "
	       "LATERAL (SELECT x." + lk + " AS l, x." + rk + " AS r FROM " + table + " x WHERE x." + lk + " = a.id::" +
	       link.left.key_type + live + " y "
	       "UNION ALL SELECT y.l, y.r, b.lo, b.ro FROM unnest($15::int4[], $16::int4[], $17::text[]) AS b(lo, ro, id) "
	       "CROSS JOIN LATERAL (SELECT x." + lk + " AS l, x." + rk + " AS r FROM " + table + " x WHERE x." + rk +
	       " = b.id::" + link.right.key_type + " AND x.deleted_at IS NULL UNION ALL SELECT x." + lk + ", x." + rk +
	       " FROM " + table + " x WHERE $11 AND x." + rk + " = b.id::" + link.right.key_type +
	       " AND x.deleted_at IS NOT NULL) y"
	       ") f GROUP BY f.l, f.r) m CROSS JOIN LATERAL (SELECT " + row + " AS row, " + tid + " AS tid FROM " + table +
	       " z WHERE z." + lk + " = m.l AND z." + rk + " = m.r" + Fence(link) + ") t ORDER BY m.lo, m.ro, m.l, m.r";
}

bool
OneSpellingPerValue(const std::string &key_type) {
	return key_type == "text" || key_type.rfind("character varying", 0) == 0;
}

std::string
Spellings(const std::string &key_type) {
	return "SELECT array_agg(c.spelling ORDER BY c.n) FROM (SELECT u.n, first_value(u.id) OVER (PARTITION BY u.id::" +
	       key_type + " ORDER BY u.n) AS spelling FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)) c";
}

std::string
FindPartner(const LinkDefinition &link, const Quoter &q) {
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	const std::string left_taken = "(o." + lk + " = u.l::" + link.left.key_type + " AND o." + rk + " <> u.r::" +
	                               link.right.key_type + ")";
	const std::string right_taken = "(o." + rk + " = u.r::" + link.right.key_type + " AND o." + lk + " <> u.l::" +
	                                link.left.key_type + ")";
	std::string conflicts;
	if (link.LeftKeyUnique())
		conflicts += left_taken;
	if (link.RightKeyUnique())
		conflicts += std::string(conflicts.empty() ? "" : " OR ") + right_taken;
	if (conflicts.empty())
		conflicts = "false";
	/* Which key is taken is decided in the keys' own types (two spellings of one uuid are one).
	 * A distributed link table is joined, not probed: Citus plans no LATERAL with a LIMIT. */
	if (link.Distributed())
		return "SELECT u.n, " + (link.LeftKeyUnique() ? left_taken : std::string("false")) + " AS on_left, o." + lk +
		       "::text AS l, o." + rk + "::text AS r FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(l, r, n) "
		       "JOIN " + Table(link, q) + " o ON o.deleted_at IS NULL AND (" + conflicts + ") ORDER BY u.n LIMIT 1";
	return "SELECT u.n, o.on_left, o.l, o.r FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(l, r, n) "
	       "CROSS JOIN LATERAL (SELECT " + (link.LeftKeyUnique() ? left_taken : std::string("false")) +
	       " AS on_left, o." + lk + "::text AS l, o." + rk + "::text AS r FROM " + Table(link, q) +
	       " o WHERE o.deleted_at IS NULL AND (" + conflicts + ") LIMIT 1) o ORDER BY u.n LIMIT 1";
}

std::string
LockRecords(const RecordTable &table, const Quoter &q) {
	std::string live = table.soft_delete_column ? " AND x." + q.ident(*table.soft_delete_column) + " IS NULL" : "";
	/* Distinct keys: a linkable's key need not be unique (register_linkable's primaryKey). */
	return "SELECT count(DISTINCT s.k) FROM (SELECT x." + q.ident(table.primary_key) + " AS k FROM " + table.relation +
	       " x WHERE x." + q.ident(table.primary_key) + " = ANY ($1::text[]::" + table.key_type + "[])" + live +
	       " FOR SHARE OF x) s";
}

std::string
FindMissingRecord(const RecordTable &table, const Quoter &q) {
	const std::string pk = "x." + q.ident(table.primary_key);
	const std::string live = table.soft_delete_column ? "x." + q.ident(*table.soft_delete_column) + " IS NULL" : "true";
	/* The records found first, then matched to the ids: no subquery correlated with the ids,
	 * which Citus cannot plan over a distributed table. */
	return "WITH found AS MATERIALIZED (SELECT " + pk + " AS k, bool_or(" + live + ") AS live FROM " + table.relation +
	       " x WHERE " + pk + " = ANY ($1::text[]::" + table.key_type + "[]) GROUP BY " + pk +
	       ") SELECT u.k, f.k IS NOT NULL FROM unnest($1::text[]) WITH ORDINALITY AS u(k, n) LEFT JOIN found f ON f.k = u.k::" +
	       table.key_type + " WHERE f.live IS NOT TRUE ORDER BY u.n LIMIT 1";
}

namespace {

/* `t.<key> = ANY($1)` for the key $1 holds. */
std::string
KeyIn(const LinkDefinition &link, const Quoter &q, bool on_left, const char *alias = "t") {
	const LinkSide &side = on_left ? link.left : link.right;
	return std::string(alias) + "." + q.ident(side.key) + " = ANY ($1::text[]::" + side.key_type + "[])";
}

std::string
Pairs(const LinkDefinition &link, const Quoter &q, const char *alias) {
	return std::string(alias) + "." + q.ident(link.left.key) + "::text AS l, " + alias + "." + q.ident(link.right.key) +
	       "::text AS r";
}


std::string
RecordKey(const RecordTable &table, const Quoter &q) {
	return "x." + q.ident(table.primary_key) + " = ANY ($1::text[]::" + table.key_type + "[])";
}

} // namespace

namespace {

/* The link's table, as link_module.removals names it. */
std::string
NotedTable(const LinkDefinition &link, const Quoter &q) {
	return q.literal(q.Qualified(link.schema, link.names.table)) + "::regclass";
}

/* The notes m of the rows ($1 text[] left, $2 text[] right, aligned), locked: each found by a
 * probe of its primary key, and then taken by their tuple ids. A join of the notes to the
 * array would be planned by the table's statistics, and stale ones (notes come and go in bulk)
 * can make it compare every note with every pair. */
std::string
NotedPairs(const LinkDefinition &link, const Quoter &q) {
	return "m.ctid = ANY (ARRAY(SELECT x.tid FROM unnest($1::text[], $2::text[]) AS u(l, r) CROSS JOIN LATERAL "
	       "(SELECT n.ctid AS tid FROM link_module.removals n WHERE n.link_table = " + NotedTable(link, q) +
	       " AND n.left_id = u.l AND n.right_id = u.r FOR UPDATE OFFSET 0) x))";
}

} // namespace

std::string
NoteRemovals(const LinkDefinition &link, const Quoter &q, bool by_left) {
	return "INSERT INTO link_module.removals AS m (link_table, left_id, right_id, stamp, by_left) SELECT " +
	       NotedTable(link, q) + ", u.l, u.r, $3, " + (by_left ? "true" : "false") +
	       " FROM unnest($1::text[], $2::text[]) AS u(l, r) ON CONFLICT (link_table, left_id, right_id) DO UPDATE "
	       "SET stamp = excluded.stamp, by_left = excluded.by_left, revived = false, outside = false";
}

std::string
OutsideRemovals(const LinkDefinition &link, const Quoter &q, bool journaled) {
	const std::string lk = q.ident(link.left.key);
	const std::string rk = q.ident(link.right.key);
	const std::string table = Table(link, q);
	/* The keys left with no active row, each probed once (the rows the statement dismissed stay
	 * in the active-row index until they are vacuumed: a probe per row would read them all for
	 * every row of a key they share). Journaled: uncorrelated, as Citus plans it. */
	auto gone = [&](const std::string &key, const char *column) {
		if (journaled)
			return std::string("(SELECT DISTINCT ") + column + " AS k FROM g WHERE " + column + " NOT IN (SELECT t." + key +
			       " FROM " + table + " t WHERE t." + key + " IN (SELECT " + column + " FROM g) AND t.deleted_at IS NULL))";
		return std::string("(SELECT k FROM (SELECT DISTINCT ") + column + " AS k FROM g) d WHERE NOT EXISTS (SELECT 1 FROM " +
		       table + " t WHERE t." + key + " = d.k AND t.deleted_at IS NULL))";
	};
	const std::string dismissed =
	    journaled ? "SELECT u.l::" + link.left.key_type + " AS l, u.r::" + link.right.key_type +
	                    " AS r, u.s FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(l, r, s)"
	              : "SELECT n." + lk + " AS l, n." + rk + " AS r, n.deleted_at::timestamptz AS s "
	                "FROM link_module_old o JOIN link_module_new n ON n." + lk + " = o." + lk + " AND n." + rk + " = o." + rk +
	                " WHERE o.deleted_at IS NULL AND n.deleted_at IS NOT NULL";
	/* A delete can take a record's rows in several statements of one transaction with one stamp
	 * (Medusa's ORM writes 300 rows a statement): the rows of a record left with no active row
	 * that earlier statements of this transaction (or of its subtransactions) dismissed with a
	 * stamp of this one count too. They are found by the deleted_at index and told by their
	 * xmin; this statement's own rows, found again, merge in the UNION. */
	return "WITH g AS MATERIALIZED (" + dismissed + "), "
	       "gl AS MATERIALIZED " + gone(lk, "l") + ", gr AS MATERIALIZED " + gone(rk, "r") + ", "
	       "earlier AS (SELECT t." + lk + " AS l, t." + rk + " AS r, t.deleted_at::timestamptz AS s FROM " + table +
	       " t WHERE t.deleted_at IN (SELECT DISTINCT s FROM g) AND link_module.xact_is_current(t.xmin) AND (t." + lk +
	       " IN (SELECT k FROM gl) OR t." + rk + " IN (SELECT k FROM gr))), "
	       "a AS (SELECT x.l::text AS l, x.r::text AS r, x.s, gl.k IS NOT NULL AS by_l, gr.k IS NOT NULL AS by_r "
	       "FROM (SELECT * FROM g UNION SELECT * FROM earlier) x LEFT JOIN gl ON gl.k = x.l LEFT JOIN gr ON gr.k = x.r) "
	       "SELECT array_agg(l), array_agg(r), array_agg(s), array_agg(by_l), array_agg(by_r) FROM a "
	       "WHERE by_l OR by_r";
}

std::string
NoteOutsideRemovals(const LinkDefinition &link, const Quoter &q) {
	return "INSERT INTO link_module.removals AS m (link_table, left_id, right_id, stamp, by_left, outside) SELECT " +
	       NotedTable(link, q) + ", u.l, u.r, u.s, CASE WHEN u.bl AND u.br THEN NULL ELSE u.bl END, true "
	       "FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::boolean[]) AS u(l, r, s, bl, br) "
	       "ON CONFLICT (link_table, left_id, right_id) DO UPDATE "
	       /* noted for the other record by an earlier statement of the same delete: for both */
	       "SET by_left = CASE WHEN m.outside AND m.stamp = excluded.stamp AND NOT m.revived AND "
	       "m.by_left IS DISTINCT FROM excluded.by_left THEN NULL ELSE excluded.by_left END, "
	       "stamp = excluded.stamp, revived = false, outside = true "
	       /* a row link_module's own cascade removed with this stamp keeps its note */
	       "WHERE m.outside OR m.stamp <> excluded.stamp OR m.revived";
}

std::string
MarkRemovals(const LinkDefinition &link, const Quoter &q, bool revived) {
	return std::string("UPDATE link_module.removals AS m SET revived = ") + (revived ? "true" : "false") + " WHERE " +
	       NotedPairs(link, q);
}

std::string
ForgetRemovals(const LinkDefinition &link, const Quoter &q) {
	return "DELETE FROM link_module.removals AS m WHERE " + NotedPairs(link, q);
}

std::string
NotedRemovals(const LinkDefinition &link, const Quoter &q, bool on_left) {
	/* Ids as given: their key type's canonical text (CanonicalIds, as the caller). No cast runs
	 * here, as the notes' owner. */
	return "SELECT array_agg(m.left_id), array_agg(m.right_id), array_agg(m.revived), array_agg(coalesce(m.by_left = " +
	       std::string(on_left ? "true" : "false") + ", $3)) FROM link_module.removals m WHERE m.link_table = " +
	       NotedTable(link, q) + " AND m." + (on_left ? "left_id" : "right_id") + " = ANY ($1::text[]) AND m.stamp = $2";
}

std::string
OwnRemovals(const LinkDefinition &link, const Quoter &q, bool on_left) {
	return "SELECT array_agg(m.left_id), array_agg(m.right_id), array_agg(m.stamp), array_agg(m.outside), "
	       "array_agg(m.by_left IS NULL) FROM link_module.removals m WHERE m.link_table = " + NotedTable(link, q) + " AND m." +
	       (on_left ? "left_id" : "right_id") + " = ANY ($1::text[]) AND coalesce(m.by_left = " +
	       (on_left ? "true" : "false") + ", true) AND NOT m.revived AND $2 IS NOT NULL";
}

/* `statement` (an UPDATE or DELETE of link rows aliased t) with the columns asked for; with
 * `active_only`, of the rows that were active (a DELETE's RETURNING sees the old row), and then
 * (left text[], right text[]) of every row. */
std::string
WithReturning(const std::string &statement, const LinkDefinition &link, const Quoter &q, Returning returning,
              bool active_only = false) {
	if (!returning.Any() && !active_only)
		return "WITH d AS (" + statement + " RETURNING 1) SELECT NULL::text[], NULL::text[], NULL::text[]";
	auto column = [&](bool wanted, const char *name) {
		return wanted ? std::string("array_agg(") + name + ")" + (active_only ? " FILTER (WHERE d.active)" : "")
		              : std::string("NULL::text[]");
	};
	return "WITH d AS (" + statement + " RETURNING " + Pairs(link, q, "t") + ", t.id" +
	       (active_only ? ", t.deleted_at IS NULL AS active" : "") + ") SELECT " + column(returning.left, "l") + ", " +
	       column(returning.right, "r") + ", " + column(returning.ids, "id") +
	       (active_only ? ", array_agg(l), array_agg(r)" : "") + " FROM d";
}

std::string
RemoveLinkRows(const LinkDefinition &link, const Quoter &q, bool on_left, Returning returning) {
	return WithReturning("UPDATE " + Table(link, q) + " AS t SET deleted_at = $2, updated_at = $2 WHERE " +
	                         KeyIn(link, q, on_left) + " AND t.deleted_at IS NULL",
	                     link, q, returning);
}

std::string
ReviveLinkRows(const LinkDefinition &link, const Quoter &q, Returning returning) {
	const std::string input = "(SELECT u.l::" + link.left.key_type + " AS l, u.r::" + link.right.key_type +
	                          " AS r FROM unnest($1::text[], $2::text[]) AS u(l, r))";
	return WithReturning("UPDATE " + Table(link, q) + " AS t SET deleted_at = NULL, updated_at = now() FROM " +
	                         Targets(link, q, input, "= $3") + "WHERE " + TargetMatch(link, q, "= $3"),
	                     link, q, returning);
}

std::string
ActiveKeys(const LinkDefinition &link, const Quoter &q, bool left) {
	const LinkSide &side = left ? link.left : link.right;
	return "SELECT array_agg(DISTINCT t." + q.ident(side.key) + "::text) FROM " + Table(link, q) + " t WHERE t." +
	       q.ident(side.key) + " = ANY ($1::text[]::" + side.key_type + "[]) AND t.deleted_at IS NULL";
}

std::string
LiveRecords(const RecordTable &table, const Quoter &q) {
	const std::string pk = "x." + q.ident(table.primary_key);
	return "SELECT array_agg(" + pk + "::text) FROM " + table.relation + " x WHERE " + pk + " = ANY ($1::text[]::" +
	       table.key_type + "[])" + (table.soft_delete_column ? " AND x." + q.ident(*table.soft_delete_column) + " IS NULL" : "");
}

std::string
DismissRevivedOrphans(const LinkDefinition &link, const RecordTable *left, const RecordTable *right, const Quoter &q) {
	/* The live records come as arrays, not subqueries: Citus plans no subquery of a distributed
	 * table in an UPDATE of a reference table. */
	const auto live = [&](const RecordTable *table, const LinkSide &side, const char *param) -> std::string {
		if (!table)
			return "true";
		return "t." + q.ident(side.key) + " = ANY (" + param + "::text[]::" + side.key_type + "[])";
	};
	const std::string input = "(SELECT u.l::" + link.left.key_type + " AS l, u.r::" + link.right.key_type +
	                          " AS r, u.s FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(l, r, s))";
	return "WITH d AS (UPDATE " + Table(link, q) + " AS t SET deleted_at = i.s FROM " +
	       Targets(link, q, input, "IS NULL") + "WHERE " + TargetMatch(link, q, "IS NULL") + " AND NOT (" +
	       live(left, link.left, "$4") + " AND " + live(right, link.right, "$5") + ") RETURNING " + Pairs(link, q, "t") +
	       ", t.id) SELECT array_agg(l), array_agg(r), array_agg(id) FROM d";
}

namespace {

/* The rows ($1 text[] left, $2 text[] right, aligned) as u, each joined to its link row x by the
 * primary key: a probe per pair (OFFSET 0 keeps conditions on x.deleted_at from becoming the
 * probe's index condition). */
std::string
RowsOf(const LinkDefinition &link, const Quoter &q, const std::string &more_input, const std::string &more_columns) {
	return "FROM unnest($1::text[], $2::text[]" + more_input + ") AS u(l, r" + more_columns +
	       ") CROSS JOIN LATERAL (SELECT t.deleted_at FROM " + Table(link, q) + " t WHERE t." + q.ident(link.left.key) +
	       " = u.l::" + link.left.key_type + " AND t." + q.ident(link.right.key) + " = u.r::" + link.right.key_type +
	       Fence(link) + ") x";
}

} // namespace

std::string
RemovedLinkRows(const LinkDefinition &link, const Quoter &q) {
	return "SELECT array_agg(u.l) FILTER (WHERE u.revivable), array_agg(u.r) FILTER (WHERE u.revivable), "
	       "array_agg(u.l) FILTER (WHERE u.own), array_agg(u.r) FILTER (WHERE u.own) FROM (SELECT u.l, u.r, u.own, "
	       "NOT u.revived AND x.deleted_at IS NOT DISTINCT FROM $5 AS revivable " +
	       RowsOf(link, q, ", $3::boolean[], $4::boolean[]", ", revived, own") + ") u";
}

std::string
LatestStamps(const LinkDefinition &link, const Quoter &q, bool on_left) {
	/* Removals whose row still carries the stamp: a row revived or dismissed since, by
	 * link_module or by Medusa's own SQL, is what they made it. */
	const std::string id = on_left ? "u.l" : "u.r";
	return "SELECT DISTINCT " + id + ", u.s, u.o, u.b " +
	       RowsOf(link, q, ", $3::timestamptz[], $4::boolean[], $5::boolean[]", ", s, o, b") + " WHERE x.deleted_at = u.s";
}

std::string
PurgeLinkRows(const LinkDefinition &link, const Quoter &q, bool on_left, Returning returning) {
	/* Every row, dismissed ones too, so the partial (active-row) index of the key is no use; the
	 * right key has no other. A semi-join on the ids lets the planner hash them (one scan of the
	 * table) or probe the primary key (left key); `key = ANY($1)` with a parameter array would
	 * compare each row with every id: quadratic. */
	const LinkSide &side = on_left ? link.left : link.right;
	return WithReturning("DELETE FROM " + Table(link, q) + " AS t WHERE t." + q.ident(side.key) +
	                         " IN (SELECT unnest($1::text[]::" + side.key_type + "[])) AND $2 IS NOT NULL",
	                     link, q, returning, true);
}

std::string
StampOf(const RecordTable &table, const std::string &column) {
	return table.soft_delete_local ? "(" + column + " AT TIME ZONE 'UTC')" : "(" + column + ")::timestamptz";
}

std::string
ColumnValueOf(const RecordTable &table, const std::string &stamp) {
	return table.soft_delete_local ? "(" + stamp + " AT TIME ZONE 'UTC')" : stamp;
}

std::string
DeletedRecords(const RecordTable &table, const Quoter &q) {
	const std::string column = "x." + q.ident(*table.soft_delete_column);
	return "SELECT x." + q.ident(table.primary_key) + "::text, " + StampOf(table, column) + " FROM " + table.relation + " x WHERE " +
	       RecordKey(table, q) + " AND " + column + " IS NOT NULL AND $2 IS NOT NULL";
}

std::string
PurgeRecords(const RecordTable &table, const Quoter &q) {
	return "WITH d AS (DELETE FROM " + table.relation + " AS x WHERE " + RecordKey(table, q) +
	       " AND $2 IS NOT NULL RETURNING x." + q.ident(table.primary_key) + "::text AS k) SELECT array_agg(k) FROM d";
}

std::string
RemoveRecords(const RecordTable &table, const Quoter &q) {
	const std::string sd = q.ident(*table.soft_delete_column);
	return "WITH d AS (UPDATE " + table.relation + " AS x SET " + sd + " = " + ColumnValueOf(table, "$2") + " WHERE " +
	       RecordKey(table, q) + " AND x." + sd + " IS NULL RETURNING x." + q.ident(table.primary_key) +
	       "::text AS k) SELECT array_agg(k) FROM d";
}

std::string
RestoreRecords(const RecordTable &table, const Quoter &q) {
	const std::string sd = q.ident(*table.soft_delete_column);
	return "WITH d AS (UPDATE " + table.relation + " AS x SET " + sd + " = NULL WHERE " + RecordKey(table, q) +
	       " AND x." + sd + " = " + ColumnValueOf(table, "$2") + " RETURNING x." + q.ident(table.primary_key) +
	       "::text AS k) SELECT array_agg(k) FROM d";
}

std::string
RestoreRecordsStampedWithin(const RecordTable &table, const Quoter &q) {
	const std::string sd = q.ident(*table.soft_delete_column);
	const std::string pk = q.ident(table.primary_key);
	const std::string stamp = StampOf(table, "s.sd");
	return "WITH s AS (SELECT x." + pk + " AS k, x." + sd + " AS sd FROM " + table.relation + " x WHERE " +
	       RecordKey(table, q) + " AND " + StampOf(table, "x." + sd) + " BETWEEN $2 AND $3 FOR UPDATE OF x), "
	       "d AS (UPDATE " + table.relation + " AS x SET " + sd + " = NULL FROM s WHERE x." + pk + " = s.k RETURNING x." +
	       pk + "::text AS k, " + stamp + " AS st) SELECT array_agg(k), array_agg(st) FROM d";
}

std::string
Problems(const LinkDefinition &link, const RecordTable *left, const RecordTable *right, const Quoter &q,
         std::pair<bool, bool> unique_keys) {
	const std::string l = "t." + q.ident(link.left.key) + "::text";
	const std::string r = "t." + q.ident(link.right.key) + "::text";
	/* The records a side's active rows name, found first as `name`(k, live, deleted), then joined
	 * to the rows: no subquery correlated with the rows, which Citus cannot plan over a
	 * distributed table. Keys compare as text when the link table's key column and the record's
	 * primary key differ in type (a Medusa table's varchar keys, a uuid key). */
	std::vector<std::string> records;
	const auto side_of = [&](const RecordTable &table, const LinkSide &side, const char *name) {
		const bool same = table.key_type == side.key_type;
		const std::string pk = "x." + q.ident(table.primary_key) + (same ? "" : "::text");
		const std::string key = "t." + q.ident(side.key) + (same ? "" : "::text");
		const std::string sd = table.soft_delete_column ? "x." + q.ident(*table.soft_delete_column) : "";
		records.push_back(std::string(name) + "(k, live, deleted) AS MATERIALIZED (SELECT " + pk + ", bool_or(" +
		                  (sd.empty() ? "true" : sd + " IS NULL") + "), bool_or(" +
		                  (sd.empty() ? "false" : sd + " IS NOT NULL") + ") FROM " + table.relation + " x WHERE " + pk +
		                  " IN (SELECT " + key + " FROM " + Table(link, q) + " t WHERE t.deleted_at IS NULL) GROUP BY 1)");
		return " LEFT JOIN " + std::string(name) + " ON " + name + ".k = " + key;
	};
	std::string joins, live_rows;
	for (const auto &[table, side, name] : {std::tuple{left, &link.left, "lr"}, std::tuple{right, &link.right, "rr"}})
		if (table) {
			joins += side_of(*table, *side, name);
			/* Cardinality counts the rows whose records are live: a row that names a missing or
			 * deleted record is a problem of its own, and never the one kept. */
			live_rows += std::string(" AND ") + name + ".live";
		}
	const std::string rows = Table(link, q) + " t" + joins + " WHERE t.deleted_at IS NULL";
	std::vector<std::string> parts;
	for (bool on_left : {true, false}) {
		if (!(on_left ? unique_keys.first : unique_keys.second))
			continue;
		const std::string key = "t." + q.ident((on_left ? link.left : link.right).key);
		parts.push_back("SELECT s.rid, 'cardinality', s.l, s.r, " + q.literal(on_left ? link.left.key : link.right.key) +
		                " || ' ' || quote_literal(" + (on_left ? "s.l" : "s.r") +
		                ") || ' has ' || s.n || ' active links: the newest stays' FROM (SELECT t.id::text AS rid, " + l +
		                " AS l, " + r + " AS r, row_number() OVER w AS rank, count(*) OVER (PARTITION BY " + key +
		                ") AS n FROM " + rows + live_rows + " WINDOW w AS (PARTITION BY " + key +
		                " ORDER BY t.created_at DESC, t.id DESC)) s WHERE s.rank > 1");
	}
	for (bool on_left : {true, false}) {
		const RecordTable *table = on_left ? left : right;
		if (!table)
			continue;
		const std::string id = on_left ? l : r;
		const std::string name = on_left ? "lr" : "rr";
		parts.push_back("SELECT t.id::text, 'missing record', " + l + ", " + r + ", " + q.literal(table->relation) +
		                " || ' has no record ' || quote_literal(" + id + ") FROM " + rows + " AND " + name + ".k IS NULL");
		if (table->soft_delete_column)
			parts.push_back("SELECT t.id::text, 'deleted record', " + l + ", " + r + ", 'record ' || quote_literal(" + id +
			                ") || ' of ' || " + q.literal(table->relation) + " || ' is soft-deleted' FROM " + rows +
			                " AND " + name + ".deleted");
	}
	if (parts.empty())
		return "SELECT NULL::text, NULL::text, NULL::text, NULL::text, NULL::text WHERE false";
	std::string sql;
	for (const auto &part : parts)
		sql += (sql.empty() ? "" : " UNION ALL ") + part;
	std::string with;
	for (const auto &cte : records)
		with += (with.empty() ? "WITH " : ", ") + cte;
	return with.empty() ? sql : with + " " + sql;
}

std::string
RepairProblems(const LinkDefinition &link, const RecordTable *left, const RecordTable *right, const Quoter &q,
               std::pair<bool, bool> unique_keys) {
	/* Rows by their pair and id, not their ctid: Citus updates no reference table by ctid from
	 * a subquery. */
	return "WITH p(rid, problem, l, r, detail) AS MATERIALIZED (" + Problems(link, left, right, q, unique_keys) +
	       "), d AS (UPDATE " + Table(link, q) + " t SET deleted_at = now(), updated_at = now() WHERE (t." +
	       q.ident(link.left.key) + "::text, t." + q.ident(link.right.key) + "::text, t.id::text) IN "
	       "(SELECT p.l, p.r, p.rid FROM p) AND t.deleted_at IS NULL RETURNING " + Pairs(link, q, "t") +
	       ") SELECT p.problem, p.l, p.r, p.detail FROM p WHERE (p.l, p.r) IN (SELECT d.l, d.r FROM d)";
}

} // namespace link_module::link_sql
