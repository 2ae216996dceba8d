/* Prepared statements kept for the backend's life, one per key (a link and a statement kind).
 * A cached plan is reused while its SQL text is unchanged (the link's definition is the same)
 * and PostgreSQL still holds it valid (no DDL on the tables it reads). Plans are generic. */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/postgres.hpp"

namespace link_module::pg {

/* How a cached statement is planned. Generic (link operations): once, never per call with a
 * batch's arrays as constants. Chosen (query_graph requests): PostgreSQL chooses per call
 * (plan_cache_mode), so a parameter that shapes the plan, such as a LIMIT, is planned with its
 * value. PerCall: always with the call's values, for a statement whose `key = ANY($1)` a generic
 * plan could turn into a filter that compares every row with every id (statistics that see no
 * active row make a scan of the active rows look free); planned with the array, the filter is
 * hashed. Such plans run with JIT off (a big array's cost would bring JIT compilation).
 * Probes: generic, planned with enable_nestloop, enable_seqscan and JIT off, for a statement
 * whose table reads are all key probes (LATERAL subqueries that cannot be flattened, OFFSET 0:
 * nested loops are the only way to run those) and that joins arrays whose sizes a generic plan
 * can only guess: a nested loop over two of them would be quadratic, and statistics that see
 * no rows (or one key) would make a probe a scan. */
enum class Planning { Generic, Chosen, PerCall, Probes };

SPIPlanPtr CachedPlan(const std::string &key, const std::string &sql, const std::vector<Oid> &types,
                      Planning planning = Planning::Generic);

/* A scratch memory context for one chunk of work, current while the scope lives and freed at
 * its end. While an exception unwinds it is left to the transaction's cleanup instead: a
 * caught PostgreSQL error may live in it until the entry guard re-raises it. */
class ScratchMemory {
public:
	ScratchMemory();
	~ScratchMemory();
	ScratchMemory(const ScratchMemory &) = delete;
	ScratchMemory &operator=(const ScratchMemory &) = delete;

private:
	MemoryContext previous_;
	MemoryContext scratch_;
};

/* A way ExecutePlan runs statements, on while an instance of it lives (they nest). */
template <typename Mode>
class ExecutionMode {
public:
	ExecutionMode() { ++depth_; }
	~ExecutionMode() { --depth_; }
	ExecutionMode(const ExecutionMode &) = delete;
	ExecutionMode &operator=(const ExecutionMode &) = delete;
	static bool Active() { return depth_ > 0; }

private:
	static inline int depth_ = 0;
};

/* Under REPEATABLE READ or SERIALIZABLE, reads of the latest committed rows (and this
 * transaction's own), not the transaction's snapshot. For the per-backend caches of the
 * registry, which must agree with the catalogs (PostgreSQL reads those that way too): the
 * snapshot would give older definitions than the tables have, and the cache would keep them for
 * later transactions. (READ COMMITTED statements take their snapshot after their locks; the
 * latest snapshot would be taken before.) */
using LatestSnapshotReads = ExecutionMode<struct LatestSnapshotMode>;

/* Read-only statements: in the snapshot of the query that called the function, without a new
 * one per statement (as a STABLE function's statements run), so the chunks of one call read one
 * state of the database. For statements that only read. */
using ReadOnlyStatements = ExecutionMode<struct ReadOnlyMode>;

/* One parameter value for ExecutePlan. */
struct Param {
	Datum value;
	bool is_null;
};

/* Runs a prepared plan and returns the number of rows; the rows are in SPI_tuptable (the
 * previous statement's rows are freed first). */
uint64 ExecutePlan(SPIPlanPtr plan, const std::vector<Param> &params);

/* Array parameters built from C++ values (nullopt elements are NULL). */
Param TextArray(const std::vector<std::optional<std::string>> &values);
Param TextArray(const std::vector<std::string> &values);
Param Int4Array(const std::vector<int32> &values);
Param Int4Array(const std::vector<std::optional<int32>> &values);
Param TimestampTzArray(const std::vector<TimestampTz> &values);
Param BoolArray(const std::vector<bool> &values);
Param Bool(bool value);
Param Text(const std::string &value);

/* A result column of the current SPI_tuptable's first row, copied out of SPI memory into the
 * memory context of the function's caller. */
std::optional<Datum> ResultDatum(int column);

/* A result column of row `row` of the current SPI_tuptable, as a by-value datum (SPI memory). */
std::optional<Datum> ResultValue(uint64 row, int column);

/* A result column of row `row` of the current SPI_tuptable as text; nullopt for NULL or no row. */
std::optional<std::string> ResultText(uint64 row, int column);

/* A result array column of the first row (empty when NULL; no NULL elements). */
std::vector<int32> ResultInt4Array(int column);
std::vector<std::string> ResultTextArray(int column);
std::vector<bool> ResultBoolArray(int column);
std::vector<TimestampTz> ResultTimestampTzArray(int column);

} // namespace link_module::pg
