/* Executes the core's DDL for link tables: creates or adopts a table, converges it to a new
 * definition, and checks what only the server can check (types of defaults, live rows). */
#pragma once

#include <vector>

#include "core/ddl.hpp"
#include "core/definition.hpp"
#include "core/link_sql.hpp"

namespace link_module::link_table {

/* Every literal defaultValue must be accepted by its column type's input function. */
void CheckDefaults(const LinkDefinition &def);

/* The schema of the link table must exist. */
void CheckSchema(const LinkDefinition &def);

/* A read-only link's field must be a column of the left table. */
void CheckReadOnlyField(const LinkDefinition &def, const Linkable &left);

bool TableExists(const LinkDefinition &def);

/* On a Citus cluster, the link's tables must be where its cascades can run (pg/citus): module
 * tables local, reference or Citus local tables with a placement on the coordinator, or
 * hash-distributed by the linkable's key; an existing link table local, a reference table, or
 * distributed by a side's key as distribute_link makes it. Anything else is refused, never left
 * to cascades that would not run. */
void CheckLayout(const LinkDefinition &def, const Linkable &left, const Linkable &right);

/* distribute_link: the link table becomes hash-distributed by `column` (a side's key),
 * co-located with that side's table, or the layout is refused (CheckLayout). */
void DistributeLinkTable(const LinkDefinition &def, const Linkable &left, const Linkable &right,
                         const std::string &column);
/* Whether Citus may rebuild link table `relid` now (DistributeLinkTable's own rebuild). */
bool RebuildAllowed(unsigned int relid);
/* The link table follows its module tables onto a Citus cluster: it becomes a reference table
 * when the table of either side is one, else a Citus local table when either side's is one. */
void PlaceLinkTable(const LinkDefinition &def, const Linkable &left, const Linkable &right);

/* define_link's {"repair": true}: the linkables of the link's two sides. */
struct Repair {
	const Linkable &left;
	const Linkable &right;
};

/* Creates the link table with its indexes, or adopts an existing table of the same name that
 * has the link-table shape (a Medusa database's table), adding what it lacks. Its rows must
 * allow the unique indexes: with `repair` (null: none), the active links to records that are
 * missing or soft-deleted are dismissed first, then all but the newest active link of each id
 * that may have only one (NOTICEs say how many). */
void CreateOrAdopt(const LinkDefinition &def, bool allow_unsafe, const Repair *repair);

/* Applies the steps from `old_def` to `def`; unsafe steps only with allow_unsafe; `repair` as
 * for CreateOrAdopt. */
void Converge(const LinkDefinition &old_def, const LinkDefinition &def, bool allow_unsafe, const Repair *repair);

/* Whether a link's records in `table` can be checked (link_check, adoption): the linkable
 * validates its records, the current role may read the table, and row security is off on it
 * (hidden records would look missing; its policies, other roles' code, never run here). */
bool RecordsCheckable(const link_sql::RecordTable &table);

/* An adopted table's active links to records that are missing or soft-deleted: with `repair`
 * dismissed, else counted in a NOTICE that points to link_check and link_repair. As the link
 * table's owner, in a security-restricted operation. */
void CheckRecords(const LinkDefinition &def, const Linkable &left, const Linkable &right, bool repair);

/* The statement triggers that cascade DML on a linkable's table (AFTER UPDATE and DELETE with
 * transition tables, AFTER TRUNCATE), created once per table: false when they were there. */
bool InstallRecordTriggers(const std::string &relation);

/* The statement triggers on a link's table. Every link's notes the dismissals made outside
 * link_module that leave a record without active rows (Medusa's link.delete), so link_restore
 * can undo them. A link with a deleteCascade side also refuses active link rows written (by
 * link_create or by direct DML) by a role that could not delete that side's records itself:
 * through them its own deletes would reach those records; a link without one has none (dropped
 * when a re-definition takes deleteCascade away). drop_link (`defined` false) drops them all. */
void SyncWriteTriggers(const LinkDefinition &def, bool defined = true);

/* A linkable's table, as it is now, gets the record triggers (InstallRecordTriggers; returns
 * whether it had them not), and the registration that found it by name names it by OID again
 * (registry::PinRelation). */
bool AdoptTable(const std::string &relation, const std::string &module, const std::string &model);

/* On a Citus cluster, from the ddl_command_end event trigger: the registrations, links and notes
 * that name a table Citus gave a new OID under the same name (a rebuild, or a table made a
 * Citus local table, whose old OID is now its shard's) follow the name. */
void FollowCitusTables();

/* Drops them when no stored link uses the table any more. */
void RemoveRecordTriggersIfUnused(const std::string &relation);

} // namespace link_module::link_table
