/* The SQL that link_create, link_dismiss, link_update and link_list run for one link. Every
 * statement is set-based: ids and row numbers travel as arrays ($n), so the text depends only
 * on the link definition and is prepared once per link. */
#pragma once

#include <optional>
#include <string>

#include "core/definition.hpp"

namespace link_module::link_sql {

/* Parameters of CreateInsert, CreateUpdate and UpdateExisting:
 *   $1 int4[] row number, $2 text[] left id, $3 text[] right id,
 *   $4 int4[] payload index of the row's data (NULL: none), $5 text[] merged data (NULL: none),
 *   $6 text[] generated link id, $7 jsonb the payload, $8 boolean notify, $9 timestamptz
 *   the transaction's start (now(): Citus allows no function but an immutable one in a CASE of
 *   a statement that writes a reference table).
 * Each returns first a row (NULL, NULL, leftover int4[]: the row numbers not written), then
 * one row (row jsonb, id text when notifying, NULL) per written link row, in row-number order.
 * Plans are generic (prepared once per backend, never re-planned for a batch's size).
 *
 * CreateInsert inserts new pairs. */
std::string CreateInsert(const LinkDefinition &link, const Quoter &quote);

/* Revives or updates existing pairs; skips (as leftover) a revival that would break
 * cardinality. */
std::string CreateUpdate(const LinkDefinition &link, const Quoter &quote);

/* Updates active pairs only (link_update). */
std::string UpdateExisting(const LinkDefinition &link, const Quoter &quote);

/* Dismisses active pairs. $1 int4[] row number, $2 text[] left, $3 text[] right, $4 boolean
 * notify. Returns the rows dismissed as CreateInsert does. */
std::string Dismiss(const LinkDefinition &link, const Quoter &quote);

/* Lists the rows of one chunk of link_list's work (core/list_chunks.hpp): pairs probed by
 * primary key ($1 int4[] left ordinal, $2 int4[] right ordinal, $3 text[] left id, $4 text[]
 * right id), and left ids probed by key whose rows are joined to the right ids of the same
 * entry ($5 int4[] entry, $6 int4[] left ordinal, $7 text[] left id; $8 int4[] entry, $9 int4[]
 * right ordinal, $10 text[] right id); $11 boolean with deleted; $12 boolean tuple ids wanted;
 * ids given alone, all their rows: $13 int4[] left ordinal, $14 text[] left id; $15 int4[]
 * left ordinal, $16 int4[] right ordinal, $17 text[] right id.
 * Returns one row per link row (the row as jsonb, and with $12 its tuple id as text) ordered by
 * where their ids were first asked (left, then right); rows are link rows, or Medusa link
 * definitions with `as_definition`. (Rows, not one jsonb_agg: the caller copies each value's
 * binary form into the result, where jsonb_agg would take every value apart.) Run with nested loops (but the LATERAL probes) and sequential scans off
 * (Planning::Probes): the arrays' row counts are guesses, and a statistics that see no rows or
 * one key would make a probe a scan. */
std::string List(const LinkDefinition &link, const Quoter &quote, bool as_definition);

/* Whether every value of the key type has a single text spelling (text and varchar keys:
 * equal values are equal strings). */
bool OneSpellingPerValue(const std::string &key_type);

/* The spelling that stands for each id's value: of the ids $1 (text[]) equal as `key_type`, the
 * first. Returns (text[]) aligned with $1. */
std::string Spellings(const std::string &key_type);

/* The first leftover row whose unique key already has another active partner.
 * $1 text[] left, $2 text[] right. Returns (row number, whether the left key is the one taken,
 * partner left, partner right). */
std::string FindPartner(const LinkDefinition &link, const Quoter &quote);

/* What an existence check needs to know about a linkable's table. */
struct RecordTable {
	std::string relation; /* schema-qualified, already quoted (regclass output) */
	std::string primary_key;
	std::string key_type;
	std::optional<std::string> soft_delete_column;
	bool validate = true; /* link_create checks records exist */
	unsigned int oid = 0;   /* the table's OID (0: it no longer exists) */
	unsigned int owner = 0; /* its owner's OID: trigger-driven cascades run as the owner */
	/* The soft-delete column is a timestamp without time zone: it holds a stamp's UTC wall
	 * time, whatever the session's TimeZone (StampOf, ColumnValueOf). */
	bool soft_delete_local = false;
};

/* The soft-delete column's value `column` (an SQL expression) as a stamp (timestamptz). */
std::string StampOf(const RecordTable &table, const std::string &column);

/* The value the soft-delete column takes for the stamp `stamp` (an SQL expression). */
std::string ColumnValueOf(const RecordTable &table, const std::string &stamp);

/* Locks (FOR SHARE) the live records among $1 text[] ids and counts their distinct keys. */
std::string LockRecords(const RecordTable &table, const Quoter &quote);

/* The first id of $1 text[] without a live record: (id, exists but soft-deleted). */
std::string FindMissingRecord(const RecordTable &table, const Quoter &quote);

/* Cascades (link_delete, link_restore). Each statement touches one table, its rows chosen by
 * `key = ANY($1)` (an index scan, no join); `on_left` says which key of the link $1 holds.
 * A delete stamps what it removes with $2 (one timestamptz per call), so a restore revives
 * exactly the rows and records carrying that stamp. */

/* What a cascade statement on link rows returns, (left text[], right text[], ids text[]): all of
 * it, or only what the caller uses (a trigger's cascade reports nothing), NULL for the rest. */
struct Returning {
	bool left = true;
	bool right = true;
	bool ids = true;
	bool Any() const { return left || right || ids; }
};

/* Soft-deletes the active rows, stamping them $2. */
std::string RemoveLinkRows(const LinkDefinition &link, const Quoter &quote, bool on_left, Returning returning = {});

/* link_module.removals notes the link rows each cascade soft-deleted (the stamp, the side whose
 * deletion took them, whether a restore revived them since). The notes are the extension's
 * own: these statements run as its owner, over rows that the statements on link rows (run as
 * whoever changes them) returned, so no role reads or writes a note of a row it cannot reach.
 *
 * Notes the rows ($1 text[] left, $2 text[] right, aligned) as removed by the cascade stamped $3
 * because their record on the `by_left` side (else the right one) was deleted. A row keeps its
 * note after a restore revives it (the restore of another record the cascade took still
 * follows it); a later cascade that removes it again notes it anew. */
std::string NoteRemovals(const LinkDefinition &link, const Quoter &quote, bool by_left);

/* In a statement trigger on the link's table (transition tables link_module_old and
 * link_module_new), the rows a statement outside link_module dismissed that left a record with
 * no active row: a delete of that record as Medusa's link.delete makes it (one statement per link
 * table, every active row of the record). Returns (left text[], right text[], stamp
 * timestamptz[], by_left boolean[], by_right boolean[]): the row's deleted_at, and whether its
 * left (right) record lost its last active row. `journaled`: the dismissed rows are ($1 text[]
 * left, $2 text[] right, $3 timestamptz[] stamp) instead, as a distributed link table's shards
 * journaled them, read as Citus plans (no correlated subquery). */
std::string OutsideRemovals(const LinkDefinition &link, const Quoter &quote, bool journaled = false);

/* Notes the rows of OutsideRemovals ($1..$5, aligned) as removed outside link_module: by the
 * side whose record lost its last active row (null: both did, either may be the one deleted). */
std::string NoteOutsideRemovals(const LinkDefinition &link, const Quoter &quote);

/* Marks the notes of rows ($1, $2) revived, or (a restore dismissed them again) not: a later
 * dismissal that happens to carry the same stamp (the same now()) is never taken for the
 * delete's. */
std::string MarkRemovals(const LinkDefinition &link, const Quoter &quote, bool revived);

/* Forgets the notes of rows ($1, $2) that no longer exist. */
std::string ForgetRemovals(const LinkDefinition &link, const Quoter &quote);

/* The notes of the cascade stamped $2 at the records $1 of one side (`on_left`), from either
 * end. Returns (left text[], right text[], revived boolean[], own boolean[]): own, removed
 * because these records were deleted; a row both records of which lost their last link outside
 * link_module (noted for either) counts as own when $3. */
std::string NotedRemovals(const LinkDefinition &link, const Quoter &quote, bool on_left);

/* The notes of rows removed because the records $1 of one side were deleted, not revived since
 * ($2 unused). Returns (left text[], right text[], stamp timestamptz[], outside boolean[], either
 * boolean[]): either, noted for both records (outside link_module, both lost their last link). */
std::string OwnRemovals(const LinkDefinition &link, const Quoter &quote, bool on_left);

/* A restore: of the noted rows ($1 text[] left, $2 text[] right, $3 boolean[] revived, $4
 * boolean[] own; NotedRemovals) of the stamp $5, each probed by the primary key. Returns (left
 * text[], right text[]) of the rows to revive (not revived since and still carrying the stamp),
 * then (left text[], right text[]) of the rows removed because the restored records were
 * deleted, whatever became of them since: the restore goes on through those to the records the
 * cascade took beyond. */
std::string RemovedLinkRows(const LinkDefinition &link, const Quoter &quote);

/* The keys among $1 text[] of one side (`left`) that have an active row. A restore looks up the
 * partners its revivals would meet once per unique key, so no per-row subquery can be planned
 * into a scan per row. Returns (keys text[]). */
std::string ActiveKeys(const LinkDefinition &link, const Quoter &quote, bool left);

/* Revives the rows ($1 text[] left, $2 text[] right, aligned) that still carry the stamp $3.
 * Returns (left text[], right text[], ids text[]). */
std::string ReviveLinkRows(const LinkDefinition &link, const Quoter &quote, Returning returning = {});

/* After a restore: the revived rows among ($1 text[] left, $2 text[] right) whose record at
 * either end is missing or soft-deleted (the restore did not bring it back) are dismissed again
 * with their stamp ($3 timestamptz[], aligned; their removals are still noted), so no active row
 * names a record that is not live: the live records of each side are $4 and $5 (text[],
 * LiveRecords). A side with a null table is virtual (always live). Returns
 * (left text[], right text[], ids text[]). */
std::string DismissRevivedOrphans(const LinkDefinition &link, const RecordTable *left, const RecordTable *right,
                                  const Quoter &quote);

/* The live records among $1 text[] ids, as one text[] (NULL for none): for DismissRevivedOrphans. */
std::string LiveRecords(const RecordTable &table, const Quoter &quote);

/* Of the noted rows ($1 text[] left, $2 text[] right, $3 timestamptz[] stamp, $4 boolean[]
 * outside, $5 boolean[] either; OwnRemovals), those that still carry their stamp: a row revived or
 * dismissed since, by link_module or by Medusa's own SQL, is what they made it. Returns distinct
 * rows (id of the `on_left` side, stamp, outside, either). */
std::string LatestStamps(const LinkDefinition &link, const Quoter &quote, bool on_left);

/* Hard-deletes every row (active or dismissed) whose key is in $1 ($2 unused). Returns
 * (left text[], right text[], ids text[]) of the rows that were active (a dismissed row links
 * nothing, so a cascade goes on through active rows only), then (left text[], right text[]) of
 * every row deleted. */
std::string PurgeLinkRows(const LinkDefinition &link, const Quoter &quote, bool on_left, Returning returning = {});

/* Hard-deletes the records among $1 ($2 unused). Returns (ids text[]). */
std::string PurgeRecords(const RecordTable &table, const Quoter &quote);

/* Soft-deletes the live records among $1, stamping them $2. Returns (ids text[]). */
std::string RemoveRecords(const RecordTable &table, const Quoter &quote);

/* The soft-deleted records among $1 ($2 unused, not null), with their stamps. Returns rows (id, stamp). */
std::string DeletedRecords(const RecordTable &table, const Quoter &quote);

/* Restores the records among $1 stamped $2. Returns (ids text[]). */
std::string RestoreRecords(const RecordTable &table, const Quoter &quote);

/* Restores the records among $1 whose stamp lies between $2 and $3: those a delete made outside
 * link_module took (Medusa's link.delete soft-deletes them after their link rows). Returns (ids
 * text[], stamps timestamptz[]), each record's stamp, which its own cascade carried. */
std::string RestoreRecordsStampedWithin(const RecordTable &table, const Quoter &quote);

/* What a link's rows hold that its definition does not allow, as rows (id text: the row's
 * link id, problem, left text, right text, detail): "missing record" and "deleted record", each active row whose record
 * at a side given a table (`left`, `right`; null: not checked) is missing or soft-deleted;
 * "cardinality", each active row, among those whose records are live, beyond the newest
 * (created_at, then id) of an id that may have only one (`unique_keys`: the left key, the right
 * key). No parameters. */
std::string Problems(const LinkDefinition &link, const RecordTable *left, const RecordTable *right,
                     const Quoter &quote, std::pair<bool, bool> unique_keys);

/* Dismisses the rows of Problems (stamping now()), found by pair and link id. Returns the same
 * columns, without the id, for the rows it dismissed. */
std::string RepairProblems(const LinkDefinition &link, const RecordTable *left, const RecordTable *right,
                           const Quoter &quote, std::pair<bool, bool> unique_keys);

} // namespace link_module::link_sql
