/* link_delete and link_restore: cascades through links. A delete soft-deletes every active link
 * row of the given records, then soft-deletes the records on each side marked deleteCascade,
 * and goes on from those, level by level, until nothing new is reached (cycles end there).
 * Everything it removes carries one stamp (its start time); a restore finds a record's latest
 * stamp and revives exactly what carries it. */
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <algorithm>
#include <unordered_set>

#include "core/cascade.hpp"
#include "core/error.hpp"
#include "core/link_sql.hpp"
#include "core/payload.hpp"
#include "link_cache.hpp"
#include "link_table.hpp"
#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/json_edge.hpp"
#include "pg/citus.hpp"
#include "pg/plan_cache.hpp"
#include "pg/spi.hpp"
#include "registry.hpp"
#include "settings.hpp"
#include "cascade.hpp"

extern "C" {
#include "commands/async.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace link_module {

namespace {

using link_cache::StoredLinks;

/* Delete: soft deletes, stamped. Restore: undoes a stamp. Purge: hard deletes (a record was
 * DELETEd: its link rows go, and the deleteCascade records with them). */
enum class Mode { Delete, Restore, Purge };

/* This backend's cascades in progress, innermost last: the trigger depth (pg_trigger_depth())
 * each runs its statements at, and the records its current statement changes. The record
 * trigger of a table leaves to the cascade the records its own statement changed: the cascade
 * does those steps itself, once, and reports them. Any other change, made by a user's trigger
 * on a table the cascade changed (one level deeper) or by a foreign key's action (whose
 * triggers fire with the cascade's statement), is cascaded by its own trigger. */
struct CascadeFrame {
	int depth;
	Oid table = InvalidOid;
	const std::vector<std::string> *ids = nullptr; /* key text */
};
std::vector<CascadeFrame> cascade_frames;

int
TriggerDepth() {
	LOCAL_FCINFO(call, 0);
	InitFunctionCallInfoData(*call, nullptr, 0, InvalidOid, nullptr, nullptr);
	return DatumGetInt32(pg_trigger_depth(call));
}

struct CascadeScope {
	CascadeScope() { cascade_frames.push_back({TriggerDepth()}); }
	~CascadeScope() { cascade_frames.pop_back(); }
	CascadeScope(const CascadeScope &) = delete;
	CascadeScope &operator=(const CascadeScope &) = delete;
};

/* While in scope, the records `ids` of `table` are the innermost cascade's own. */
class OwnRecords {
public:
	OwnRecords(Oid table, const std::vector<std::string> &ids) { cascade_frames.back() = {cascade_frames.back().depth, table, &ids}; }
	~OwnRecords() { cascade_frames.back() = {cascade_frames.back().depth}; }
	OwnRecords(const OwnRecords &) = delete;
	OwnRecords &operator=(const OwnRecords &) = delete;
};

/* Whether a statement trigger on `table` fired for the innermost cascade's own statement, whose
 * changed rows begin with the record `first` (key text). The statement's rows are all its own;
 * the rows of a foreign key's action, whose triggers fire with it, are none of them. `levels`:
 * how many trigger levels below the cascade's statements the caller runs (0: after one of
 * them, as the executor hook does). */
bool
OwnStatement(Oid table, const std::optional<std::string> &first, int levels = 1) {
	if (cascade_frames.empty() || !first)
		return false;
	const CascadeFrame &frame = cascade_frames.back();
	return frame.table == table && frame.depth + levels == TriggerDepth() &&
	       std::find(frame.ids->begin(), frame.ids->end(), *first) != frame.ids->end();
}

/* A linkable kept in a table (a table can keep several: a self-link's two keys). */
struct TableLinkable {
	std::string module;
	std::string key;
	link_sql::RecordTable table;
};

std::vector<TableLinkable>
LinkablesOf(const StoredLinks &stored, Oid relid) {
	std::vector<TableLinkable> out;
	std::set<std::string> seen;
	for (std::size_t i = 0; i < stored.links.size(); ++i)
		for (bool left : {true, false}) {
			const auto &table = left ? stored.left_tables[i] : stored.right_tables[i];
			const LinkSide &side = left ? stored.links[i].left : stored.links[i].right;
			if (table && table->oid == relid && seen.insert(side.module + '\x1f' + side.key).second)
				out.push_back({side.module, side.key, *table});
		}
	return out;
}

/* Some ids of one module key, reached under one stamp. `outside`: a restore of rows a statement
 * outside link_module removed (noted by link_rows_removed), whose deleteCascade records that
 * code soft-deleted afterwards, each with a stamp of its own. `through_either`: the restore goes
 * on through rows noted for both of their records (each lost its last link outside link_module,
 * so either record's delete took them) to the records beyond; only when that delete was
 * certainly these records' own (another row of theirs was noted for them alone): restoring a
 * record never deleted must not bring back a record deleted on its own. */
struct Step {
	std::string module;
	std::string key;
	TimestampTz stamp;
	std::vector<std::string> ids;
	bool outside = false;
	bool through_either = true;
};

/* The end of the window after `stamp` in which the steps of one delete made outside link_module
 * lie (link_module.outside_delete_window). */
TimestampTz
WindowEnd(TimestampTz stamp) {
	const TimestampTz window = static_cast<TimestampTz>(settings::outside_delete_window) * 1000;
	return TIMESTAMP_NOT_FINITE(stamp) || stamp > PG_INT64_MAX - window ? stamp : stamp + window;
}

/* Queues the records `ids` of `table` (null: of the virtual linkable module.key) that a cascade
 * changed or reached: for every linkable the table keeps, so all their links follow, in
 * link_module.batch_size pieces (one statement never takes more). */
void
Queue(std::deque<Step> &work, const StoredLinks &stored, const link_sql::RecordTable *table, const std::string &module,
      const std::string &key, TimestampTz stamp, const std::vector<std::string> &ids) {
	std::vector<std::pair<std::string, std::string>> linkables;
	if (table)
		for (const auto &linkable : LinkablesOf(stored, table->oid))
			linkables.emplace_back(linkable.module, linkable.key);
	if (linkables.empty())
		linkables.emplace_back(module, key);
	const std::size_t chunk = static_cast<std::size_t>(settings::batch_size);
	for (const auto &[m, k] : linkables)
		for (std::size_t from = 0; from < ids.size(); from += chunk)
			work.push_back({m, k, stamp,
			                std::vector<std::string>(ids.begin() + from, ids.begin() + std::min(ids.size(), from + chunk))});
}

/* Cascade statements run as the owner of the table they change (a trigger's cascade), as
 * PostgreSQL runs a foreign-key cascade: whoever may delete or soft-delete a record may have its
 * links and deleteCascade records follow, without rights on those tables. */
using pg::AsOwner;

/* Runs a cascade statement through its cached plan, as `owner` when given; data errors name
 * the link or table. */
void
RunPlan(const std::string &cache_key, const std::string &sql, const std::vector<Oid> &types,
        const std::vector<pg::Param> &params, const std::string &what, const char *function, Oid owner,
        pg::Planning planning = pg::Planning::Generic) {
	AsOwner as_owner(owner);
	try {
		pg::ExecutePlan(pg::CachedPlan(cache_key, sql, types, planning), params);
	} catch (const pg::PgError &error) {
		std::string state = pg::SqlState(error.data());
		if (state.rfind("22", 0) == 0)
			throw Error(state.c_str(), std::string(function) + " on " + what + ": " + error.Utf8Message());
		throw;
	}
}

/* A statement over ids $1 and a stamp $2. */
void
Run(const std::string &cache_key, const std::string &sql, const std::vector<std::string> &ids, TimestampTz stamp,
    const std::string &what, const char *function, Oid owner = InvalidOid,
    pg::Planning planning = pg::Planning::Generic) {
	RunPlan(cache_key, sql, {TEXTARRAYOID, TIMESTAMPTZOID}, {pg::TextArray(ids), {TimestampTzGetDatum(stamp), false}},
	        what, function, owner, planning);
}

/* Runs a statement of link_module.removals (link_sql::NoteRemovals) over the link rows (left,
 * right) that a statement run as whoever changed them returned, as the extension's owner (the
 * notes are its own), with the stamp as $3 when given. */
void
RunOnNotes(const std::string &cache_key, const std::string &sql, const std::vector<std::string> &left,
           const std::vector<std::string> &right, std::optional<TimestampTz> stamp, const std::string &what,
           const char *function, Oid notes_owner) {
	if (left.empty())
		return;
	std::vector<Oid> types{TEXTARRAYOID, TEXTARRAYOID};
	std::vector<pg::Param> params{pg::TextArray(left), pg::TextArray(right)};
	if (stamp) {
		types.push_back(TIMESTAMPTZOID);
		params.push_back({TimestampTzGetDatum(*stamp), false});
	}
	RunPlan("notes:" + cache_key, sql, types, params, what, function, notes_owner);
}

/* What a restore did to one side's link rows. */
struct Revival {
	std::vector<std::string> left, right, ids; /* revived */
	std::vector<std::string> kept_left, kept_right; /* left dismissed: reviving them would break cardinality */
	std::vector<std::string> through_left, through_right; /* removed because these records were deleted */
};

/* Revives the rows the cascade stamped `stamp` removed from the records `ids` of one side,
 * except those that would give a unique key a second active partner. The partners are looked
 * up once per unique key (key = ANY(candidates)), never by a per-row subquery that stale
 * statistics could plan into a scan per row. A link_create committed after they were looked up
 * shows up as a unique violation; a second try (a new snapshot under READ COMMITTED) skips it. */
Revival
Revive(const LinkDefinition &link, bool on_left, link_sql::Returning returning, const std::string &cache_key,
       const std::vector<std::string> &ids, TimestampTz stamp, bool through_either, const std::string &what,
       const char *function, Oid owner, Oid notes_owner) {
	const Quoter &q = pg::PgQuoter();
	Revival revival;
	auto attempt = [&] {
		revival = {};
		/* The notes (as their owner), then their rows (as the restoring role: it sees only
		 * what it may). */
		RunPlan("noted:" + cache_key, link_sql::NotedRemovals(link, q, on_left), {TEXTARRAYOID, TIMESTAMPTZOID, BOOLOID},
		        {pg::TextArray(ids), {TimestampTzGetDatum(stamp), false}, pg::Bool(through_either)}, what, function,
		        notes_owner, pg::Planning::PerCall);
		std::vector<std::string> noted_left = pg::ResultTextArray(1);
		if (noted_left.empty())
			return;
		std::vector<std::string> noted_right = pg::ResultTextArray(2);
		std::vector<bool> revived = pg::ResultBoolArray(3);
		std::vector<bool> own = pg::ResultBoolArray(4);
		RunPlan("removed-rows:" + link.names.service_name, link_sql::RemovedLinkRows(link, q),
		        {TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID, BOOLARRAYOID, TIMESTAMPTZOID},
		        {pg::TextArray(noted_left), pg::TextArray(noted_right), pg::BoolArray(revived), pg::BoolArray(own),
		         {TimestampTzGetDatum(stamp), false}},
		        what, function, owner);
		std::vector<std::string> left = pg::ResultTextArray(1);
		std::vector<std::string> right = pg::ResultTextArray(2);
		revival.through_left = pg::ResultTextArray(3);
		revival.through_right = pg::ResultTextArray(4);
		if (left.empty())
			return;
		std::unordered_set<std::string> taken[2]; /* active keys: left, right */
		for (bool side : {true, false})
			if (side ? link.LeftKeyUnique() : link.RightKeyUnique()) {
				RunPlan(std::string("active-keys:") + (side ? "l:" : "r:") + link.names.service_name,
				        link_sql::ActiveKeys(link, q, side), {TEXTARRAYOID}, {pg::TextArray(side ? left : right)}, what,
				        function, owner, pg::Planning::PerCall);
				for (auto &key : pg::ResultTextArray(1))
					taken[side ? 0 : 1].insert(std::move(key));
			}
		std::vector<std::string> revive_left, revive_right;
		for (std::size_t i = 0; i < left.size(); ++i) {
			pg::CheckForInterrupts();
			/* A revived row takes its unique keys too: no two revivals share one. */
			const bool free = !(link.LeftKeyUnique() && taken[0].count(left[i])) &&
			                  !(link.RightKeyUnique() && taken[1].count(right[i]));
			if (free) {
				if (link.LeftKeyUnique())
					taken[0].insert(left[i]);
				if (link.RightKeyUnique())
					taken[1].insert(right[i]);
			}
			(free ? revive_left : revival.kept_left).push_back(left[i]);
			(free ? revive_right : revival.kept_right).push_back(right[i]);
		}
		if (revive_left.empty())
			return;
		RunPlan("revive:" + std::to_string(returning.left) + std::to_string(returning.right) +
		            std::to_string(returning.ids) + ":" + link.names.service_name,
		        link_sql::ReviveLinkRows(link, q, returning), {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID},
		        {pg::TextArray(revive_left), pg::TextArray(revive_right), {TimestampTzGetDatum(stamp), false}}, what,
		        function, owner);
		revival.left = pg::ResultTextArray(1);
		revival.right = pg::ResultTextArray(2);
		revival.ids = pg::ResultTextArray(3);
		RunOnNotes("revived:" + link.names.service_name, link_sql::MarkRemovals(link, q, true), revival.left,
		           revival.right, std::nullopt, what, function, notes_owner);
	};
	for (int tries = 0; tries < 2; ++tries)
		if (pg::InSubtransaction(attempt, [](int code) { return code == ERRCODE_UNIQUE_VIOLATION; }))
			return revival;
	throw Error(sqlstate::kSerializationFailure,
	            std::string(function) + " on " + what + ": a concurrent link_create took the place of a link it would revive",
	            "", "Retry the transaction.");
}

std::vector<std::string>
Unique(const std::vector<std::string> &ids) {
	std::set<std::string> seen;
	std::vector<std::string> out;
	for (const auto &id : ids)
		if (seen.insert(id).second)
			out.push_back(id);
	return out;
}

/* A cascade's events name the records each row joined too: after a hard delete the rows are gone. */
void
Notify(const LinkDefinition &link, const char *event, const std::vector<std::string> &ids,
       std::vector<std::string> left, std::vector<std::string> right) {
	if (!settings::notify || ids.empty())
		return;
	EventKeys keys{link.left.key, link.right.key, std::move(left), std::move(right)};
	for (const auto &payload : EventPayloads(link.names.entity + "." + event, ids, &keys))
		pg::Notify(payload);
}

/* A trigger's cascade changes a deleteCascade table as its owner, through rows of a link table
 * that its owner controls (it can disable the triggers that gate who writes active rows, or
 * rewrite the table): the link's owner must hold, now, the right the step uses on that table,
 * as define_link required. A revoked right stops the cascade. */
void
RequireLinkOwnerRights(const LinkDefinition &link, Oid link_owner, const link_sql::RecordTable &table,
                       const char *privilege) {
	if (*pg::QueryValue("SELECT has_table_privilege($1::oid, $2::oid, $3)::text",
	                    {std::to_string(link_owner), std::to_string(table.oid), privilege},
	                    "cascade:link-owner-rights") == "true")
		return;
	throw Error(sqlstate::kInsufficientPrivilege,
	            "cannot cascade through link " + Quoted(link.names.service_name) + " to " + table.relation +
	                ": the link table's owner " + *pg::QueryValue("SELECT $1::oid::regrole::text",
	                                                              {std::to_string(link_owner)}) +
	                " lacks " + privilege + " on it",
	            "A deleteCascade link takes, from its table's owner, the rights its cascades use on that side.",
	            "GRANT DELETE, UPDATE ON " + table.relation + " to the link table's owner, or define the link "
	            "without deleteCascade.");
}

/* Who runs a cascade. A function's (link_delete, link_restore) runs as its caller and reports
 * what it did. A trigger's reports nothing: a delete's runs each statement as the owner of the
 * table it changes, as a foreign key's cascade does; a restore's runs as the role that cleared
 * the soft-delete column, since the stamp it undoes is that role's value (as the table's owners
 * it could bring back what another role's delete took, in tables it has no rights on). */
enum class Runner { Function, TriggerAsOwners, TriggerAsCaller };

/* The cascade from `start`, level by level. */
Json
Cascade(Mode mode, std::deque<Step> work, const StoredLinks &stored, const char *function,
        Runner runner = Runner::Function) {
	const bool report = runner == Runner::Function;
	const bool as_owners = runner == Runner::TriggerAsOwners;
	CascadeScope scope;
	const Quoter &q = pg::PgQuoter();
	const bool remove = mode != Mode::Restore;
	const bool purge = mode == Mode::Purge;
	const Oid notes_owner = registry::Owner();
	CascadeResult result;
	CascadeResult skipped;
	std::set<std::string> processed; /* module, key, stamp, id */
	/* A restore's revived rows per link, with their stamps, checked once it is done. */
	struct Revived {
		std::vector<std::string> left, right;
		std::vector<TimestampTz> stamps;
	};
	std::map<std::size_t, Revived> revived;
	while (!work.empty()) {
		Step step = std::move(work.front());
		work.pop_front();
		std::vector<std::string> ids;
		for (const auto &id : Unique(step.ids))
			if (processed.insert(step.module + '\x1f' + step.key + '\x1f' + std::to_string(step.stamp) + '\x1f' + id)
			        .second)
				ids.push_back(id);
		if (ids.empty())
			continue;
		pg::CheckForInterrupts();

		for (std::size_t i = 0; i < stored.links.size(); ++i) {
			const LinkDefinition &link = stored.links[i];
			for (bool on_left : {true, false}) {
				const LinkSide &side = on_left ? link.left : link.right;
				if (side.module != step.module || side.key != step.key)
					continue;
				const std::string what = "link " + Quoted(link.names.service_name);
				const std::string cache_key = std::string(on_left ? "l:" : "r:") + link.names.service_name;
				const Oid link_owner = as_owners ? stored.link_owners[i] : InvalidOid;
				/* Soft deletes and restores note the rows they change. */
				link_sql::Returning returning{report || settings::notify || !purge || link.left.delete_cascade,
				                              report || settings::notify || !purge || link.right.delete_cascade,
				                              report || settings::notify};
				const std::string variant = std::to_string(returning.left) + std::to_string(returning.right) +
				                            std::to_string(returning.ids) + ":";
				std::vector<std::string> left, right;
				if (remove) {
					Run((purge ? "purge-rows:" : "remove-rows:") + variant + cache_key,
					    purge ? link_sql::PurgeLinkRows(link, q, on_left, returning)
					          : link_sql::RemoveLinkRows(link, q, on_left, returning),
					    ids, step.stamp, what, function, link_owner,
					    purge ? pg::Planning::Generic : pg::Planning::PerCall);
					left = pg::ResultTextArray(1);
					right = pg::ResultTextArray(2);
					std::vector<std::string> link_ids = pg::ResultTextArray(3);
					if (purge)
						RunOnNotes("forget:" + link.names.service_name, link_sql::ForgetRemovals(link, q),
						           pg::ResultTextArray(4), pg::ResultTextArray(5), std::nullopt, what, function,
						           notes_owner);
					else
						RunOnNotes(std::string("note:") + cache_key, link_sql::NoteRemovals(link, q, on_left), left,
						           right, step.stamp, what, function, notes_owner);
					if (returning.ids)
						Notify(link, "detached", link_ids, left, right);
					if (report)
						result.AddLinkRows(link, left, right);
				} else {
					Revival revival = Revive(link, on_left, returning, cache_key, ids, step.stamp, step.through_either,
					                         what, function, link_owner, notes_owner);
					if (returning.ids)
						Notify(link, "attached", revival.ids, revival.left, revival.right);
					if (report) {
						result.AddLinkRows(link, revival.left, revival.right);
						skipped.AddLinkRows(link, revival.kept_left, revival.kept_right, true);
					}
					Revived &rows = revived[i];
					rows.left.insert(rows.left.end(), revival.left.begin(), revival.left.end());
					rows.right.insert(rows.right.end(), revival.right.begin(), revival.right.end());
					rows.stamps.insert(rows.stamps.end(), revival.left.size(), step.stamp);
					/* The records the delete took because these were deleted come back, whatever
					 * became of the rows since; rows removed because of their other end lead
					 * nowhere (that end's own restore follows them). */
					left = std::move(revival.through_left);
					right = std::move(revival.through_right);
				}

				for (bool cascade_left : {true, false}) {
					const LinkSide &target = cascade_left ? link.left : link.right;
					if (!target.delete_cascade)
						continue;
					std::vector<std::string> reached = Unique(cascade_left ? left : right);
					if (reached.empty())
						continue;
					const auto &table = cascade_left ? stored.left_tables[i] : stored.right_tables[i];
					if (table && as_owners && remove)
						RequireLinkOwnerRights(link, stored.link_owners[i], *table, purge ? "DELETE" : "UPDATE");
					std::vector<std::string> changed = reached; /* virtual: reported for the caller */
					bool queued = false;
					if (table && purge) {
						OwnRecords own(table->oid, reached);
						Run("purge-records:" + table->relation, link_sql::PurgeRecords(*table, q), reached, step.stamp,
						    "table " + table->relation, function, as_owners ? table->owner : InvalidOid);
						changed = pg::ResultTextArray(1);
					} else if (table) {
						if (!table->soft_delete_column)
							throw Error(sqlstate::kObjectNotInPrerequisiteState,
							            std::string(function) + " cannot cascade to " +
							                Quoted(target.module + "." + target.model) + ": table " + table->relation +
							                " has no soft-delete column",
							            "Link " + Quoted(link.names.service_name) + " has deleteCascade on " +
							                Quoted(target.alias) + ".",
							            "Register the linkable with {\"softDeleteColumn\": \"<column>\"}, or define the "
							            "link without deleteCascade.");
						OwnRecords own(table->oid, reached);
						if (step.outside) {
							/* Soft-deleted after their rows, by the same outside code: each
							 * comes back with what its own deletion took (its own stamp). */
							RunPlan("restore-records-within:" + table->relation,
							        link_sql::RestoreRecordsStampedWithin(*table, q),
							        {TEXTARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZOID},
							        {pg::TextArray(reached), {TimestampTzGetDatum(step.stamp), false},
							         {TimestampTzGetDatum(WindowEnd(step.stamp)), false}},
							        "table " + table->relation, function, as_owners ? table->owner : InvalidOid);
							changed = pg::ResultTextArray(1);
							const std::vector<TimestampTz> stamps = pg::ResultTimestampTzArray(2);
							std::map<TimestampTz, std::vector<std::string>> by_stamp;
							for (std::size_t k = 0; k < changed.size(); ++k)
								by_stamp[stamps[k]].push_back(changed[k]);
							for (const auto &[stamp, ids_of_stamp] : by_stamp)
								Queue(work, stored, &*table, target.module, target.key, stamp, ids_of_stamp);
							queued = true;
						} else {
							Run((remove ? "remove-records:" : "restore-records:") + table->relation,
							    remove ? link_sql::RemoveRecords(*table, q) : link_sql::RestoreRecords(*table, q),
							    reached, step.stamp, "table " + table->relation, function,
							    as_owners ? table->owner : InvalidOid);
							changed = pg::ResultTextArray(1);
						}
					}
					if (report)
						result.AddRecords(target.module, target.key, changed);
					/* A delete goes on from the records it deleted; a restore from every record the
					 * delete reached, live or not, so that all it stamped comes back. */
					if (!queued)
						Queue(work, stored, table ? &*table : nullptr, target.module, target.key, step.stamp,
						      remove ? changed : reached);
				}
			}
		}
	}
	/* A revived row whose record at the other end stayed deleted (it was deleted on its own, or
	 * the restore does not reach it) goes back to its stamp: a restore never leaves an active
	 * link to a record that is not live. */
	for (const auto &[i, rows] : revived) {
		if (rows.left.empty())
			continue;
		const LinkDefinition &link = stored.links[i];
		const auto table_of = [](const auto &table) { return table ? &*table : nullptr; };
		/* The records at both ends are locked first (FOR SHARE, as link_create does): a
		 * concurrent soft delete of one of them either commits before the check below sees
		 * it, or waits and then dismisses the revived row itself. When every one of them is
		 * live (the lock counts them), no revived row needs the check. */
		bool all_live = true;
		for (bool left : {true, false})
			if (const auto &table = left ? stored.left_tables[i] : stored.right_tables[i]) {
				const std::vector<std::string> ids = Unique(left ? rows.left : rows.right);
				std::size_t live = 0;
				for (const auto &shard : pg::citus::ByShard(table->oid, table->relation, table->key_type, ids)) {
					Run("restore-lock:" + table->relation, link_sql::LockRecords(*table, q), shard, 0,
					    "table " + table->relation, function, as_owners ? table->owner : InvalidOid);
					if (auto count = pg::ResultDatum(1))
						live += static_cast<std::size_t>(DatumGetInt64(*count));
				}
				if (live != ids.size())
					all_live = false;
			}
		if (all_live)
			continue;
		const std::string what = "link " + Quoted(link.names.service_name);
		std::vector<std::string> live[2];
		for (bool left : {true, false})
			if (const auto &table = left ? stored.left_tables[i] : stored.right_tables[i]) {
				Run("live:" + table->relation, link_sql::LiveRecords(*table, q), Unique(left ? rows.left : rows.right), 0,
				    "table " + table->relation, function, as_owners ? table->owner : InvalidOid);
				live[left ? 0 : 1] = pg::ResultTextArray(1);
			}
		RunPlan("orphans:" + link.names.service_name,
		        link_sql::DismissRevivedOrphans(link, table_of(stored.left_tables[i]), table_of(stored.right_tables[i]), q),
		        {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID},
		        {pg::TextArray(rows.left), pg::TextArray(rows.right), pg::TimestampTzArray(rows.stamps), pg::TextArray(live[0]),
		         pg::TextArray(live[1])},
		        what, function, as_owners ? stored.link_owners[i] : InvalidOid);
		const std::vector<std::string> left = pg::ResultTextArray(1);
		if (left.empty())
			continue;
		const std::vector<std::string> right = pg::ResultTextArray(2);
		const std::vector<std::string> link_ids = pg::ResultTextArray(3);
		RunOnNotes("dismissed-again:" + link.names.service_name, link_sql::MarkRemovals(link, q, false), left, right,
		           std::nullopt, what, function, notes_owner);
		/* Their "attached" events are taken back in the same transaction. */
		Notify(link, "detached", link_ids, left, right);
		if (report) {
			result.RemoveLinkRows(link, left, right);
			skipped.AddLinkRows(link, left, right, true);
		}
	}
	Json json = result.ToJson();
	if (!remove && !skipped.Empty())
		json["skipped"] = skipped.ToJson();
	return json;
}

/* The records given, each (module, key) checked against the registry. */
std::vector<RecordIds>
RecordsArg(FunctionCallInfo fcinfo, const char *function) {
	auto json = pg::JsonArg(fcinfo, 0, "records");
	if (!json)
		throw Error(sqlstate::kNullValueNotAllowed, std::string(function) + ": records must not be null");
	auto records = ParseRecords(*json, function);
	registry::Owner(); /* a clear error while the SQL objects are older than the library */
	for (const auto &record : records) {
		if (auto key_type = pg::QueryValue("SELECT key_type FROM link_module.linkable_registry WHERE module = $1 AND key = $2 "
		                                   "LIMIT 1",
		                                   {record.module, record.key}, "registry:linkable-key")) {
			if (record.numbers && !IsNumericKeyType(*key_type))
				throw Error(sqlstate::kInvalidParameterValue,
				            std::string(function) + ": ids of " + Quoted(record.module + "." + record.key) +
				                " must be non-empty strings, not numbers",
				            {}, "Its key is not a number: give its ids as strings.");
			continue;
		}
		auto keys = pg::QueryValue("SELECT string_agg(quote_literal(key), ', ' ORDER BY key) "
		                           "FROM link_module.linkable_registry WHERE module = $1",
		                           {record.module}, "registry:module-keys");
		throw Error(sqlstate::kUndefinedObject,
		            std::string(function) + ": no linkable of module " + Quoted(record.module) + " has the key " +
		                Quoted(record.key),
		            keys ? "Keys of module " + Quoted(record.module) + ": " + *keys + "."
		                 : "No linkable of module " + Quoted(record.module) + " is registered.");
	}
	return records;
}

/* The table of the linkable (module, key), from any link that uses it; null when virtual or
 * unused. */
const link_sql::RecordTable *
TableOf(const StoredLinks &stored, const std::string &module, const std::string &key) {
	for (std::size_t i = 0; i < stored.links.size(); ++i)
		for (bool on_left : {true, false}) {
			const LinkSide &side = on_left ? stored.links[i].left : stored.links[i].right;
			const auto &table = on_left ? stored.left_tables[i] : stored.right_tables[i];
			if (side.module == module && side.key == key && table)
				return &*table;
		}
	return nullptr;
}

/* The ids as their key's type writes them ('1.0' of a numeric key is 1.0, a uuid in lower case):
 * link rows and notes hold keys as such. Ids that cannot be keys of their linkable's table (a
 * uuid key given "abc") are an error rather than a silent no-op. */
void
CanonicalIds(std::vector<RecordIds> &records, const StoredLinks &stored, const char *function) {
	for (auto &record : records) {
		const link_sql::RecordTable *table = TableOf(stored, record.module, record.key);
		if (!table || record.ids.empty())
			continue;
		try {
			pg::ExecutePlan(pg::CachedPlan("key-type:" + table->key_type,
			                               "SELECT $1::text[]::" + table->key_type + "[]::text[]", {TEXTARRAYOID}),
			                {pg::TextArray(record.ids)});
			record.ids = pg::ResultTextArray(1);
		} catch (const pg::PgError &error) {
			std::string state = pg::SqlState(error.data());
			if (state.rfind("22", 0) != 0)
				throw;
			throw Error(state.c_str(),
			            std::string(function) + ": ids of " + Quoted(record.module + "." + record.key) + " are " +
			                table->key_type + " (the key of " + table->relation + "): " + error.Utf8Message());
		}
	}
}

} // namespace

} // namespace link_module

using namespace link_module;

LM_FUNCTION(link_delete) {
	std::string result;
	{
		pg::SpiConnection spi;
		auto records = RecordsArg(fcinfo, "link_delete");
		link_cache::Use cache;
		CanonicalIds(records, cache.links(), "link_delete");
		TimestampTz stamp = pg::PgCall([]() { return GetCurrentTimestamp(); });
		std::deque<Step> work;
		for (auto &record : records)
			work.push_back({record.module, record.key, stamp, std::move(record.ids)});
		result = Cascade(Mode::Delete, std::move(work), cache.links(), "link_delete").dump();
		spi.Finish();
	}
	return pg::JsonbDatum(result);
}

LM_FUNCTION(link_restore) {
	std::string result;
	{
		pg::SpiConnection spi;
		auto records = RecordsArg(fcinfo, "link_restore");
		link_cache::Use cache;
		const StoredLinks &stored = cache.links();
		CanonicalIds(records, stored, "link_restore");
		const Quoter &q = pg::PgQuoter();
		const Oid notes_owner = registry::Owner();
		/* Each record's latest stamp: a soft-deleted record's own (that delete is undone, the
		 * record first), else that of the links its last link_delete removed. */
		std::deque<Step> work;
		CascadeResult started;
		for (const auto &record : records) {
			if (record.ids.empty())
				continue;
			/* Each record's noted removals that its rows still carry. */
			struct Noted {
				TimestampTz stamp;
				bool outside, either;
			};
			std::map<std::string, std::vector<Noted>> noted;
			std::map<std::string, TimestampTz> deleted; /* the soft-deleted records, restored with their stamps */
			if (const link_sql::RecordTable *table = TableOf(stored, record.module, record.key);
			    table && table->soft_delete_column) {
				Run("deleted-records:" + table->relation, link_sql::DeletedRecords(*table, q), record.ids, 0,
				    "table " + table->relation, "link_restore");
				std::map<TimestampTz, std::vector<std::string>> by_stamp;
				for (uint64 row = 0; row < SPI_processed; ++row)
					by_stamp[DatumGetTimestampTz(*pg::ResultValue(row, 2))].push_back(*pg::ResultText(row, 1));
				/* The table's trigger stands aside: the cascade below restores what it took. */
				CascadeScope scope;
				for (auto &[stamp, ids] : by_stamp) {
					OwnRecords own(table->oid, ids);
					Run("restore-records:" + table->relation, link_sql::RestoreRecords(*table, q), ids, stamp,
					    "table " + table->relation, "link_restore");
					started.AddRecords(record.module, record.key, pg::ResultTextArray(1));
					for (const auto &id : ids)
						deleted.emplace(id, stamp);
					Queue(work, stored, table, record.module, record.key, stamp, ids);
				}
			}
			for (const auto &link : stored.links)
				for (bool on_left : {true, false}) {
					const LinkSide &side = on_left ? link.left : link.right;
					if (side.module != record.module || side.key != record.key)
						continue;
					const std::string side_key = std::string(on_left ? "l:" : "r:") + link.names.service_name;
					const std::string what = "link " + Quoted(link.names.service_name);
					Run("own-removals:" + side_key, link_sql::OwnRemovals(link, q, on_left), record.ids, 0, what,
					    "link_restore", notes_owner, pg::Planning::PerCall);
					std::vector<std::string> noted_left = pg::ResultTextArray(1);
					if (noted_left.empty())
						continue;
					std::vector<std::string> noted_right = pg::ResultTextArray(2);
					std::vector<TimestampTz> noted_stamps = pg::ResultTimestampTzArray(3);
					std::vector<bool> noted_outside = pg::ResultBoolArray(4);
					std::vector<bool> noted_either = pg::ResultBoolArray(5);
					RunPlan("latest:" + side_key, link_sql::LatestStamps(link, q, on_left),
					        {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, BOOLARRAYOID, BOOLARRAYOID},
					        {pg::TextArray(noted_left), pg::TextArray(noted_right), pg::TimestampTzArray(noted_stamps),
					         pg::BoolArray(noted_outside), pg::BoolArray(noted_either)},
					        what, "link_restore", InvalidOid);
					for (uint64 row = 0; row < SPI_processed; ++row)
						noted[*pg::ResultText(row, 1)].push_back({DatumGetTimestampTz(*pg::ResultValue(row, 2)),
						                                          DatumGetBool(*pg::ResultValue(row, 3)),
						                                          DatumGetBool(*pg::ResultValue(row, 4))});
				}
			/* The delete to undo. A live record's latest: link_module's own carries one stamp; one
			 * made outside link_module (Medusa's link.delete) stamped each link table on its own,
			 * so it is every outside removal of the record within the window before the latest. A
			 * soft-deleted record's own soft delete (restored above), with what outside code
			 * removed of it within the window before (Medusa dismisses a record's links, then its
			 * module soft-deletes it). */
			std::map<std::tuple<TimestampTz, bool, bool>, std::vector<std::string>> steps; /* stamp, outside, through_either */
			for (const auto &[id, removals] : noted) {
				pg::CheckForInterrupts();
				TimestampTz until;
				bool certain = false; /* the delete was this record's own */
				if (auto it = deleted.find(id); it != deleted.end()) {
					until = it->second;
					certain = true;
				} else {
					const Noted latest = *std::max_element(removals.begin(), removals.end(), [](const Noted &a, const Noted &b) {
						return a.stamp < b.stamp || (a.stamp == b.stamp && a.outside && !b.outside);
					});
					if (!latest.outside) {
						steps[{latest.stamp, false, true}].push_back(id);
						continue;
					}
					until = latest.stamp;
				}
				std::set<TimestampTz> stamps;
				for (const Noted &removal : removals)
					if (removal.outside && removal.stamp <= until && WindowEnd(removal.stamp) >= until) {
						stamps.insert(removal.stamp);
						certain = certain || !removal.either;
					}
				for (TimestampTz stamp : stamps)
					steps[{stamp, true, certain}].push_back(id);
			}
			for (auto &[key, ids] : steps)
				work.push_back({record.module, record.key, std::get<0>(key), std::move(ids), std::get<1>(key),
				                std::get<2>(key)});
		}
		result = started.Merge(Cascade(Mode::Restore, std::move(work), stored, "link_restore")).dump();
		spi.Finish();
	}
	return pg::JsonbDatum(result);
}

namespace link_module {

namespace {

/* PostgreSQL timestamps count microseconds from 2000-01-01; epoch microseconds cross the SPI
 * boundary exactly (no DateStyle involved). 'infinity' and '-infinity' have no epoch: they
 * come as such and stamp as such. */
TimestampTz
FromEpochMicros(const std::string &text) {
	if (text == "infinity" || text == "-infinity") {
		TimestampTz infinite;
		if (text[0] == '-')
			TIMESTAMP_NOBEGIN(infinite);
		else
			TIMESTAMP_NOEND(infinite);
		return infinite;
	}
	return static_cast<TimestampTz>(std::stoll(text)) -
	       static_cast<TimestampTz>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

/* Cascades soft deletes of `linkable`'s records (or restores): (key, stamp) pairs, the stamp as
 * epoch microseconds, grouped by the stamp to cascade with. */
void
CascadeStampedKeys(const TableLinkable &linkable, bool restored, std::vector<std::pair<std::string, std::string>> &keys,
                   const StoredLinks &stored) {
	std::map<TimestampTz, std::vector<std::string>> by_stamp;
	for (auto &[key, stamp] : keys)
		by_stamp[FromEpochMicros(stamp)].push_back(std::move(key));
	std::deque<Step> steps;
	for (auto &[value, ids] : by_stamp)
		steps.push_back({linkable.module, linkable.key, value, std::move(ids)});
	Cascade(restored ? Mode::Restore : Mode::Delete, std::move(steps), stored, restored ? "restore" : "soft delete",
	        restored ? Runner::TriggerAsCaller : Runner::TriggerAsOwners);
}

/* Cascades the records a statement soft-deleted (old column NULL, new set) or restored (the
 * reverse), link_module.batch_size at a time (bounded memory, whatever the statement's size),
 * with the new value as stamp, or the old one for a restore. */
void
CascadeStamped(const TableLinkable &linkable, bool restored, const StoredLinks &stored, const Quoter &q) {
	const std::string pk = q.ident(linkable.table.primary_key);
	const std::string sd = q.ident(*linkable.table.soft_delete_column);
	const std::string stamp = link_sql::StampOf(linkable.table, std::string(restored ? "o." : "n.") + sd);
	pg::ForEachBatch("SELECT n." + pk + "::text, CASE WHEN isfinite(" + stamp + ") THEN (extract(epoch FROM " +
	                     stamp + ") * 1000000)::bigint::text ELSE " + stamp + "::text END FROM link_module_new n "
	                     "JOIN link_module_old o ON o." + pk + " = n." + pk + " WHERE o." + sd +
	                     (restored ? " IS NOT NULL AND n." + sd + " IS NULL" : " IS NULL AND n." + sd + " IS NOT NULL"),
	                 settings::batch_size, [&](std::vector<pg::Row> &rows) {
		                 std::vector<std::pair<std::string, std::string>> keys;
		                 keys.reserve(rows.size());
		                 for (auto &row : rows)
			                 keys.emplace_back(std::move(*row[0]), std::move(*row[1]));
		                 CascadeStampedKeys(linkable, restored, keys, stored);
	                 });
}

/* Every row of a link's table goes (its records' table was truncated or dropped): as the link
 * table's owner, as the record triggers run, since the records' owner needs no rights on the
 * link tables that name them. Its notes go with them. */
void
EmptyLinkTable(const StoredLinks &stored, const LinkDefinition &link, const Quoter &q) {
	const std::string table = q.Qualified(link.schema, link.names.table);
	{
		AsOwner as_owner(stored.link_owners[stored.IndexOf(&link)]);
		pg::Execute("DELETE FROM " + table);
	}
	AsOwner as_owner(registry::Owner());
	pg::Execute("DELETE FROM link_module.removals WHERE link_table = $1::regclass", {table});
}

/* A record's key may not change while link rows name it: they would point at nothing. */
void
RefuseKeyChanges(const TableLinkable &linkable, const StoredLinks &stored, const Quoter &q) {
	const std::string pk = q.ident(linkable.table.primary_key);
	const std::string changed_keys = "SELECT o." + pk + " FROM link_module_old o WHERE NOT EXISTS "
	                                 "(SELECT 1 FROM link_module_new n WHERE n." + pk + " = o." + pk + ")";
	if (pg::Query("SELECT 1 WHERE EXISTS (" + changed_keys + ")").empty())
		return;
	for (const auto &link : stored.links)
		for (bool on_left : {true, false}) {
			const LinkSide &side = on_left ? link.left : link.right;
			if (side.module != linkable.module || side.key != linkable.key)
				continue;
			AsOwner as_owner(stored.link_owners[stored.IndexOf(&link)]);
			auto linked = pg::Query("SELECT t." + q.ident(side.key) + "::text FROM " +
			                        q.Qualified(link.schema, link.names.table) + " t WHERE t." + q.ident(side.key) +
			                        " IN (" + changed_keys + ") LIMIT 1");
			if (!linked.empty())
				throw Error(sqlstate::kForeignKeyViolation,
				            "cannot change " + Quoted(linkable.table.primary_key) + " of " + linkable.table.relation +
				                " record '" + *linked[0][0] + "': link " + Quoted(link.names.service_name) +
				                " references it",
				            {}, "Dismiss or delete its links first (link_dismiss, link_delete).");
		}
}

} // namespace

} // namespace link_module

/* Statement triggers on linkable tables: a DELETE removes the records' link rows and
 * hard-deletes their deleteCascade records; setting the soft-delete column cascades like
 * link_delete, clearing it restores like link_restore; a key change of a linked record is
 * refused; TRUNCATE removes the link rows of the table's links. */
LM_FUNCTION(link_module_record_changed) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.record_changed() must be called as a trigger");
	auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	TriggerEvent event = trigger->tg_event;
	if (!TRIGGER_FIRED_FOR_STATEMENT(event) || !TRIGGER_FIRED_AFTER(event))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.record_changed() must fire AFTER ... FOR EACH STATEMENT");
	Oid relid = RelationGetRelid(trigger->tg_relation);

	pg::SpiConnection spi;
	if (!TRIGGER_FIRED_BY_TRUNCATE(event) &&
	    pg::PgCall([](TriggerData *t) { return SPI_register_trigger_data(t); }, trigger) != SPI_OK_TD_REGISTER)
		throw Error(sqlstate::kInternalError, "SPI_register_trigger_data failed");
	link_cache::Use cache;
	const StoredLinks &stored = cache.links();
	const Quoter &q = pg::PgQuoter();
	const auto table = link_cache::TriggerTable(stored, relid, TRIGGER_FIRED_BY_TRUNCATE(event), trigger);
	if (!table) {
		spi.Finish();
		return PointerGetDatum(nullptr);
	}
	relid = *table;
	const std::vector<TableLinkable> linkables = LinkablesOf(stored, relid);
	if (!linkables.empty() && !TRIGGER_FIRED_BY_TRUNCATE(event) &&
	    OwnStatement(relid, pg::QueryValue("SELECT " + q.ident(linkables[0].table.primary_key) + "::text FROM " +
	                                       (TRIGGER_FIRED_BY_DELETE(event) ? "link_module_old" : "link_module_new") +
	                                       " LIMIT 1"))) {
		spi.Finish(); /* the cascade does (and reports) this step itself */
		return PointerGetDatum(nullptr);
	}
	for (const auto &linkable : linkables) {
		if (TRIGGER_FIRED_BY_DELETE(event)) {
			/* link_module.batch_size records at a time: bounded memory, whatever the DELETE's size. */
			pg::ForEachBatch("SELECT " + q.ident(linkable.table.primary_key) + "::text FROM link_module_old",
			                 settings::batch_size, [&](std::vector<pg::Row> &rows) {
				                 std::vector<std::string> ids;
				                 ids.reserve(rows.size());
				                 for (auto &row : rows)
					                 ids.push_back(std::move(*row[0]));
				                 Cascade(Mode::Purge, {{linkable.module, linkable.key, 0, std::move(ids)}}, stored,
				                         "DELETE", Runner::TriggerAsOwners);
			                 });
		} else if (TRIGGER_FIRED_BY_UPDATE(event)) {
			RefuseKeyChanges(linkable, stored, q);
			if (!linkable.table.soft_delete_column)
				continue;
			CascadeStamped(linkable, false, stored, q);
			CascadeStamped(linkable, true, stored, q);
		} else if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
			/* Every record is gone: so is every row of the links that name this linkable. */
			CascadeScope scope;
			for (const auto &link : stored.links)
				if ((link.left.module == linkable.module && link.left.key == linkable.key) ||
				    (link.right.module == linkable.module && link.right.key == linkable.key))
					EmptyLinkTable(stored, link, q);
		}
	}
	spi.Finish();
	return PointerGetDatum(nullptr);
}

namespace link_module {

namespace {

/* Notes the rows of link_sql::OutsideRemovals, the last statement's result. */
void
NoteOutsideRemovals(const LinkDefinition &link, const Quoter &q) {
	std::vector<std::string> left = pg::ResultTextArray(1);
	if (left.empty())
		return;
	std::vector<pg::Param> notes{pg::TextArray(left), pg::TextArray(pg::ResultTextArray(2)),
	                             pg::TimestampTzArray(pg::ResultTimestampTzArray(3)),
	                             pg::BoolArray(pg::ResultBoolArray(4)), pg::BoolArray(pg::ResultBoolArray(5))};
	RunPlan("notes:outside:" + link.names.service_name, link_sql::NoteOutsideRemovals(link, q),
	        {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, BOOLARRAYOID, BOOLARRAYOID}, notes,
	        "link " + Quoted(link.names.service_name), "link_rows_removed", registry::Owner());
}

} // namespace

} // namespace link_module

/* Statement trigger (UPDATE) on every link table. Code outside link_module that deletes a record's
 * links, as Medusa's link.delete does (a statement per link table, dismissing every active row of
 * the record, each stamped with its own time), notes nothing: the rows it dismissed that left a
 * record with no active row are noted here as that record's delete, so link_restore can undo it.
 * link_module's own statements are left alone: its cascades note what they remove, and its
 * dismissals are no deletes. Runs as the link table's owner (the notes are read off the table,
 * which the role that updated it may not be allowed to read). */
LM_FUNCTION(link_module_link_rows_removed) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.link_rows_removed() must be called as a trigger");
	if (pg::EntryDepth() > 1)
		return PointerGetDatum(nullptr);
	auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!trigger->tg_newtable || tuplestore_tuple_count(trigger->tg_newtable) == 0)
		return PointerGetDatum(nullptr); /* nothing updated */
	pg::SpiConnection spi;
	if (pg::PgCall([](TriggerData *t) { return SPI_register_trigger_data(t); }, trigger) != SPI_OK_TD_REGISTER)
		throw Error(sqlstate::kInternalError, "SPI_register_trigger_data failed");
	link_cache::Use cache;
	const StoredLinks &stored = cache.links();
	const Quoter &q = pg::PgQuoter();
	const auto relid = link_cache::TriggerTable(stored, RelationGetRelid(trigger->tg_relation), false, trigger);
	for (std::size_t i = 0; relid && i < stored.links.size(); ++i) {
		if (stored.link_table_oids[i] != *relid)
			continue;
		const LinkDefinition &link = stored.links[i];
		const std::string what = "link " + Quoted(link.names.service_name);
		{
			/* Fired on a Citus shard (the coordinator's placement of a reference table): the
			 * statement reads that placement, a plain table here, as Citus plans no statement that
			 * joins a transition table to its tables. */
			LinkDefinition placement = link;
			if (*relid != RelationGetRelid(trigger->tg_relation)) {
				placement.schema = pg::PgCall(get_namespace_name, RelationGetNamespace(trigger->tg_relation));
				placement.names.table = RelationGetRelationName(trigger->tg_relation);
			}
			/* Planned for each statement, with the transition tables' sizes: a plan kept from a
			 * statement of a few rows would join a big one's rows in nested loops. */
			AsOwner as_owner(stored.link_owners[i]);
			pg::Execute(link_sql::OutsideRemovals(placement, q));
		}
		NoteOutsideRemovals(link, q);
	}
	spi.Finish();
	return PointerGetDatum(nullptr);
}

/* link_module.xact_is_current(xid): whether the xid is the current transaction's or one of its
 * subtransactions' (committed ones included), as a row version's xmin tells who wrote it. */
LM_FUNCTION(link_module_xact_is_current) {
	const TransactionId xid = DatumGetTransactionId(PG_GETARG_DATUM(0));
	return BoolGetDatum(pg::PgCall([](TransactionId x) { return TransactionIdIsCurrentTransactionId(x); }, xid));
}

/* sql_drop event trigger: a dropped linkable table takes its records with it, so the rows of the
 * links that name it go too (as for TRUNCATE). The table's own triggers went with the table. */
LM_FUNCTION(link_module_table_dropped) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		throw Error(sqlstate::kTriggerProtocolViolated, "link_module.table_dropped() must be called as an event trigger");
	pg::SpiConnection spi;
	/* DROP EXTENSION drops the registry too: nothing to clean then. */
	auto removals_owner = pg::QueryValue("SELECT relowner::text FROM pg_class "
	                                     "WHERE oid = to_regclass('link_module.removals')");
	if (!removals_owner || !registry::CatalogIsCurrent()) {
		spi.Finish();
		return PointerGetDatum(nullptr);
	}
	if (pg::citus::RebuildingTable()) {
		/* Citus drops a table it rebuilds and gives the copy its name: the records are not gone,
		 * and what names the table follows the copy (table_created). A link's table is refused:
		 * its definition names the table by OID in places a rebuild cannot follow. */
		const auto links = pg::Query("SELECT l.entry_point, l.link_table::oid::text FROM pg_event_trigger_dropped_objects() d "
		                             "JOIN link_module.link_registry l ON l.link_table = d.objid "
		                             "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0");
		const auto refused = std::find_if(links.begin(), links.end(), [](const pg::Row &row) {
			return !link_table::RebuildAllowed(static_cast<Oid>(std::stoul(*row[1])));
		});
		if (refused != links.end())
			throw Error(sqlstate::kFeatureNotSupported,
			            "Citus cannot rebuild the table of link " + Quoted(*(*refused)[0]),
			            "The link follows its table's OID, which the rebuilt copy does not keep.",
			            "drop_link(" + pg::PgQuoter().literal(*(*refused)[0]) +
			                ") keeps the table; rebuild it, then define_link() again adopts it.");
		for (const auto &row : pg::Query("SELECT d.object_identity, d.objid::text FROM pg_event_trigger_dropped_objects() d "
		                                 "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0"))
			pg::citus::NoteRebuildDrop(*row[0], static_cast<Oid>(std::stoul(*row[1])));
		spi.Finish();
		return PointerGetDatum(nullptr);
	}
	{
		/* A dropped link table's notes go with it (as the extension's owner: the dropped table's
		 * privileges, which the notes' row security checks, are gone already). */
		AsOwner as_owner(static_cast<Oid>(std::stoul(*removals_owner)));
		pg::Execute("DELETE FROM link_module.removals m USING pg_event_trigger_dropped_objects() d "
		            "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND m.link_table = d.objid");
	}
	/* A dropped link table takes its link with it, as a dropped table takes its triggers
	 * (Medusa's migration planner drops the table of a link removed from the code). */
	auto removed = pg::Query("SELECT l.service_name, l.entry_point, d.object_identity, "
	                         "  link_module.current_relation(ll.relation, ll.relation_name)::text, "
	                         "  link_module.current_relation(rl.relation, rl.relation_name)::text "
	                         "FROM pg_event_trigger_dropped_objects() d JOIN link_module.link_registry l ON l.link_table = d.objid "
	                         "LEFT JOIN link_module.linkable_registry ll ON (ll.module, ll.model) = (l.left_module, l.left_model) "
	                         "LEFT JOIN link_module.linkable_registry rl ON (rl.module, rl.model) = (l.right_module, l.right_model) "
	                         "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0");
	for (const auto &row : removed) {
		registry::DeleteLink(*row[0]);
		for (const auto &relation : {row[3], row[4]})
			if (relation)
				link_table::RemoveRecordTriggersIfUnused(*relation);
		pg::Notice("link " + Quoted(*row[1]) + " removed: its table " + *row[2] + " was dropped",
		           "define_link() defines it again, with a new table.");
	}
	auto dropped = pg::Query("SELECT k.module, k.key FROM pg_event_trigger_dropped_objects() d "
	                         "JOIN link_module.linkable_registry k ON k.relation = d.objid OR (d.object_identity = "
	                         "  k.relation_name AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = k.relation)) "
	                         "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0");
	/* A table of the owner's already under a dropped table's registered name (a swap: the new
	 * table was renamed to it before the old one was dropped) is the linkable's table now: no
	 * DDL on it will come to table_created, so it gets the triggers here. */
	const auto replacements = pg::Query(
	    "SELECT c.oid::regclass::text, k.module, k.model FROM pg_event_trigger_dropped_objects() d "
	    "JOIN link_module.linkable_registry k ON k.relation = d.objid "
	    "JOIN pg_class c ON c.oid = link_module.current_relation(k.relation, k.relation_name) "
	    "  AND c.relowner = k.relation_owner::oid AND c.relkind = 'r' "
	    "WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND EXISTS (SELECT 1 FROM link_module.link_registry l "
	    "  WHERE NOT l.read_only AND (k.module, k.model) IN ((l.left_module, l.left_model), (l.right_module, l.right_model)))");
	if (!dropped.empty()) {
		/* The registration keeps the table's name, not its OID: a later table could get that OID
		 * (in this cluster or one this database is restored into) and be taken for it. */
		{
			AsOwner as_owner(registry::Owner());
			pg::Execute("UPDATE link_module.linkable_registry k SET relation = 0::oid::regclass "
			            "FROM pg_event_trigger_dropped_objects() d WHERE d.classid = 'pg_class'::regclass "
			            "AND d.objsubid = 0 AND k.relation = d.objid");
		}
		link_cache::Use cache;
		const StoredLinks &stored = cache.links();
		const Quoter &q = pg::PgQuoter();
		CascadeScope scope;
		for (const auto &row : dropped)
			for (const auto &link : stored.links) {
				bool names = (link.left.module == *row[0] && link.left.key == *row[1]) ||
				             (link.right.module == *row[0] && link.right.key == *row[1]);
				const std::string table = q.Qualified(link.schema, link.names.table);
				if (names && pg::QueryValue("SELECT 1 WHERE to_regclass($1) IS NOT NULL", {table}))
					EmptyLinkTable(stored, link, q);
			}
		for (const auto &row : replacements)
			link_table::AdoptTable(*row[0], *row[1], *row[2]);
	}
	spi.Finish();
	return PointerGetDatum(nullptr);
}

namespace link_module {

namespace {

/* The soft-delete column the shards of distributed `table` journal: their update trigger's
 * argument ("" for none; pg::citus::PrepareJournal), nullopt when define_link never set it. */
std::optional<std::string>
JournaledColumn(Oid table) {
	Relation relation = pg::PgCall(RelationIdGetRelation, table);
	if (!RelationIsValid(relation))
		throw Error(sqlstate::kInternalError, "could not open relation " + std::to_string(table));
	std::optional<std::string> column;
	for (int i = 0; relation->trigdesc && i < relation->trigdesc->numtriggers; ++i) {
		const Trigger &trigger = relation->trigdesc->triggers[i];
		if (std::strcmp(trigger.tgname, "link_module_update") == 0 && trigger.tgnargs > 0)
			column = trigger.tgargs[0];
	}
	RelationClose(relation);
	return column;
}

/* A statement changed the distributed table `table`: its shards journal what its linkables
 * cascade, or the statement fails (a table distributed, or a linkable registered again, after
 * define_link). */
void
RequireJournal(Oid table, const std::vector<TableLinkable> &linkables) {
	const auto column = pg::citus::JournalExists(table) ? JournaledColumn(table) : std::nullopt;
	for (const auto &linkable : linkables)
		if (!column || *column != linkable.table.soft_delete_column.value_or(""))
			throw Error(sqlstate::kObjectNotInPrerequisiteState,
			            "link_module cannot cascade from distributed table " + linkable.table.relation,
			            "Its shards do not journal the changes linkable " + Quoted(linkable.module + "." + linkable.key) +
			                " cascades: it was distributed, or registered again, after its links were defined.",
			            "Run define_link again for the links of the table.");
}

/* Cascades the changes the shards of distributed `table` journaled, as its record triggers do
 * on one server. */
void
CascadeJournaled(Oid table, std::vector<pg::citus::JournalEntry> &entries, const StoredLinks &stored) {
	if (OwnStatement(table, entries.front().key, 0))
		return; /* the cascade's own statement: it does (and reports) this step itself */
	for (const auto &linkable : LinkablesOf(stored, table)) {
		std::vector<std::string> purged;
		std::vector<std::pair<std::string, std::string>> removed, restored;
		for (const auto &entry : entries) {
			if (entry.deleted)
				purged.push_back(entry.key);
			else if (!entry.old_stamp && entry.new_stamp)
				removed.emplace_back(entry.key, *entry.new_stamp);
			else if (entry.old_stamp && !entry.new_stamp)
				restored.emplace_back(entry.key, *entry.old_stamp);
		}
		const std::size_t batch = static_cast<std::size_t>(settings::batch_size);
		for (std::size_t from = 0; from < purged.size(); from += batch)
			Cascade(Mode::Purge,
			        {{linkable.module, linkable.key, 0,
			          std::vector<std::string>(purged.begin() + from, purged.begin() + std::min(purged.size(), from + batch))}},
			        stored, "DELETE", Runner::TriggerAsOwners);
		for (auto *keys : {&removed, &restored})
			for (std::size_t from = 0; from < keys->size(); from += batch) {
				std::vector<std::pair<std::string, std::string>> part(keys->begin() + from,
				                                                      keys->begin() + std::min(keys->size(), from + batch));
				CascadeStampedKeys(linkable, keys == &restored, part, stored);
			}
	}
}

/* The link rows the shards of link `i`'s distributed table journaled (JournalEntry::other), as
 * its triggers act on one server: the active rows written take the rights a cascade through them
 * would use; the rows a statement outside link_module dismissed are noted (link_rows_removed). */
void
CheckJournaledLinkRows(std::size_t i, const std::vector<pg::citus::JournalEntry> &entries, const StoredLinks &stored) {
	const LinkDefinition &link = stored.links[i];
	const bool by_left = link.distributed_by == link.left.key;
	std::vector<std::string> left, right;
	std::vector<TimestampTz> stamps;
	bool written = false;
	std::size_t seen = 0;
	for (const auto &entry : entries) {
		if (++seen % 4096 == 0)
			pg::CheckForInterrupts();
		if (!entry.deleted) {
			written = true;
			continue;
		}
		if (!entry.other || !entry.new_stamp)
			throw Error(sqlstate::kInternalError, "a journaled dismissal of link " + Quoted(link.names.service_name) +
			                                          " names no other key or stamp");
		left.push_back(by_left ? entry.key : *entry.other);
		right.push_back(by_left ? *entry.other : entry.key);
		stamps.push_back(FromEpochMicros(*entry.new_stamp));
	}
	if (written)
		RequireCascadeRights(stored, i, true);
	/* link_module's own statements (inside one of its functions): their cascades note what they
	 * remove, and dismissals are no deletes. */
	if (left.empty() || pg::EntryDepth() > 1)
		return;
	const Quoter &q = pg::PgQuoter();
	RunPlan("outside:journaled:" + link.names.service_name, link_sql::OutsideRemovals(link, q, true),
	        {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID},
	        {pg::TextArray(left), pg::TextArray(right), pg::TimestampTzArray(stamps)},
	        "link " + Quoted(link.names.service_name), "link_rows_removed", stored.link_owners[i]);
	NoteOutsideRemovals(link, q);
}

/* A statement changed distributed link table `i` (whose triggers name the other key:
 * ChangedLinkedTables): its shards journal its rows into its co-location group's journal, or
 * the statement fails (the journal went with the side table's last link, or a redistribution). */
void
RequireLinkJournal(std::size_t i, const StoredLinks &stored) {
	const LinkDefinition &link = stored.links[i];
	if (!pg::citus::JournalExists(stored.link_table_oids[i]))
		throw Error(sqlstate::kObjectNotInPrerequisiteState,
		            "link_module cannot check the rows of distributed link table " +
		                pg::PgQuoter().Qualified(link.schema, link.names.table),
		            "Its shards have no journal to hand the rows a statement writes to the coordinator.",
		            "Run distribute_link(" + pg::PgQuoter().literal(link.names.entry_point) +
		                ", '<column>'), or define_link again.");
}

} // namespace

namespace {

/* The linked tables (those with link_module's record triggers) a statement changes: the tables
 * it locks for writing (Citus's plan of a statement keeps its range table, though not always
 * hasModifyingCTE). */
std::vector<Oid>
ChangedLinkedTables(const PlannedStmt *statement) {
	std::vector<Oid> changed;
	ListCell *cell;
	foreach (cell, statement->rtable) {
		const auto *entry = static_cast<const RangeTblEntry *>(lfirst(cell));
		if (entry->rtekind != RTE_RELATION || entry->rellockmode < RowExclusiveLock ||
		    std::find(changed.begin(), changed.end(), entry->relid) != changed.end())
			continue;
		Relation relation = pg::PgCall(RelationIdGetRelation, entry->relid);
		if (!RelationIsValid(relation))
			continue;
		/* On a shard, Citus names the trigger link_module_delete_<shard id>: a statement Citus
		 * planned straight on a shard of this node (a single-node cluster) changes that. */
		bool linked = false;
		for (int i = 0; relation->trigdesc && i < relation->trigdesc->numtriggers; ++i) {
			const Trigger &trigger = relation->trigdesc->triggers[i];
			/* A link table too when distributed: its triggers then name the other side's key
			 * (link_table::SyncWriteTriggers), and its shards journal its rows. */
			linked = linked || std::strncmp(trigger.tgname, "link_module_delete", 18) == 0 ||
			         (std::strncmp(trigger.tgname, "link_module_rows_", 17) == 0 && trigger.tgnargs > 0);
		}
		RelationClose(relation);
		if (linked)
			changed.push_back(entry->relid);
	}
	return changed;
}

} // namespace

void
BeforeDistributedChanges(const PlannedStmt *statement) {
	if (!pg::citus::Loaded())
		return;
	pg::GuardHook([statement] {
		if (!ChangedLinkedTables(statement).empty() && pg::citus::Installed())
			pg::citus::KeepChangesInTransaction();
	});
}

void
CascadeDistributedChanges(const PlannedStmt *statement) {
	if (!pg::citus::Loaded())
		return;
	pg::GuardHook([statement] {
		/* A task Citus runs on a distributed table's shard of this node, in this backend or over a
		 * connection, is part of a statement whose own end cascades. */
		if (pg::citus::InShardTask() || pg::citus::InternalConnection())
			return;
		const std::vector<Oid> changed = ChangedLinkedTables(statement);
		if (changed.empty() || !pg::citus::Installed()) /* a database without Citus: its triggers did the work */
			return;
		/* The end of a SELECT (with a modifying CTE) comes after its snapshot was popped. */
		std::optional<pg::ScopedSnapshot> snapshot;
		if (!ActiveSnapshotSet())
			snapshot.emplace();
		pg::SpiConnection spi;
		link_cache::Use cache;
		const StoredLinks &stored = cache.links();
		std::set<std::string> journals;
		for (Oid relid : changed) {
			const Oid table = pg::citus::TableOfShard(relid).value_or(relid);
			const auto link = std::find(stored.link_table_oids.begin(), stored.link_table_oids.end(), table);
			if (link != stored.link_table_oids.end()) {
				RequireLinkJournal(static_cast<std::size_t>(link - stored.link_table_oids.begin()), stored);
				journals.insert(*pg::citus::JournalOf(table));
				continue;
			}
			const std::vector<TableLinkable> linkables = LinkablesOf(stored, table);
			if (linkables.empty())
				continue;
			if (auto journal = pg::citus::JournalOf(table)) {
				RequireJournal(table, linkables);
				journals.insert(*journal);
			}
		}
		/* Every journal taken before any is processed: a cascade's own statements (whose hook
		 * takes the journals it reaches) must not take rows of this statement's. */
		std::map<Oid, std::vector<pg::citus::JournalEntry>> by_table;
		for (const auto &journal : journals) {
			std::vector<pg::citus::JournalEntry> entries;
			try {
				entries = pg::citus::TakeJournal(journal);
			} catch (const pg::PgError &error) {
				if (error.data()->sqlerrcode != ERRCODE_INSUFFICIENT_PRIVILEGE)
					throw;
				throw Error(sqlstate::kInsufficientPrivilege,
				            "link_module cannot cascade a change of linked distributed tables made by role " +
				                Quoted(pg::PgCall(GetUserNameFromId, GetUserId(), false)),
				            "Their shards journal the change for the coordinator, in the transactions of the role that "
				            "made it; only the tables' owner may take the journal " + journal + " out.",
				            "On a Citus cluster, change linked distributed tables as their owner (README, \"Scaling out "
				            "with Citus\", One role).");
			}
			for (auto &entry : entries)
				by_table[entry.table].push_back(std::move(entry));
		}
		for (auto &[table, table_entries] : by_table) {
			const auto link = std::find(stored.link_table_oids.begin(), stored.link_table_oids.end(), table);
			if (link != stored.link_table_oids.end())
				CheckJournaledLinkRows(static_cast<std::size_t>(link - stored.link_table_oids.begin()), table_entries,
				                       stored);
			else
				CascadeJournaled(table, table_entries, stored);
		}
		spi.Finish();
	});
}

} // namespace link_module
