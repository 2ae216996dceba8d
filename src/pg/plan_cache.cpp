#include "pg/plan_cache.hpp"

#include <algorithm>
#include <exception>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "pg/citus.hpp"
#include "pg/encoding.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
#include "access/xact.h"
}

namespace link_module::pg {

namespace {

struct CacheEntry {
	std::string sql;
	SPIPlanPtr plan = nullptr;
	Planning planning = Planning::Generic;
};

/* Plans chosen per call come from requests (query_graph shapes), of which a client can
 * make any number: past this many they are all dropped and prepared again on demand. */
constexpr std::size_t kMaxRequestPlans = 500;

/* Lives as long as the backend; plans are kept with SPI_keepplan under CacheMemoryContext. */
std::unordered_map<std::string, CacheEntry> &
Cache() {
	static std::unordered_map<std::string, CacheEntry> cache;
	return cache;
}

/* Plans being executed, with their depth: a statement can re-enter link_module (a domain's
 * CHECK, a user's trigger or policy calling a link function), and the inner call may replace a
 * plan the outer one is still running. Such a plan is retired, not freed, until no call runs it. */
std::unordered_map<SPIPlanPtr, int> &
Running() {
	static std::unordered_map<SPIPlanPtr, int> running;
	return running;
}

std::vector<SPIPlanPtr> &
Retired() {
	static std::vector<SPIPlanPtr> retired;
	return retired;
}

/* The cached plans that run with settings of their own: PerCall and Probes. */
std::unordered_map<SPIPlanPtr, Planning> &
SetPlans() {
	static std::unordered_map<SPIPlanPtr, Planning> plans;
	return plans;
}

void
Release(SPIPlanPtr plan) {
	SetPlans().erase(plan);
	if (Running().count(plan))
		Retired().push_back(plan);
	else
		PgCall(SPI_freeplan, plan);
}

void
FreeRetired() {
	auto &retired = Retired();
	for (auto it = retired.begin(); it != retired.end();)
		if (Running().count(*it)) {
			++it;
		} else {
			PgCall(SPI_freeplan, *it);
			it = retired.erase(it);
		}
}

/* While in scope, `plan` counts as running. */
class RunningPlan {
public:
	explicit RunningPlan(SPIPlanPtr plan) : plan_(plan) { ++Running()[plan]; }
	~RunningPlan() {
		auto it = Running().find(plan_);
		if (--it->second == 0)
			Running().erase(it);
	}
	RunningPlan(const RunningPlan &) = delete;
	RunningPlan &operator=(const RunningPlan &) = delete;

private:
	SPIPlanPtr plan_;
};

/* While in scope, JIT is off, and with `probes` enable_nestloop and enable_seqscan too (as a
 * function's SET clause sets them): the plan is made under them whenever PostgreSQL plans it
 * again, and the disabled paths' cost cannot bring JIT compilation. */
class PlannerSettings {
public:
	explicit PlannerSettings(bool probes) : level_(PgCall(NewGUCNestLevel)) {
		PgCall([](bool p) {
			auto off = [](const char *name) {
				(void) set_config_option(name, "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
			};
			off("jit");
			if (p) {
				off("enable_nestloop");
				off("enable_seqscan");
			}
		}, probes);
	}
	~PlannerSettings() {
		try {
			PgCall(AtEOXact_GUC, true, level_);
		} catch (...) {
			/* the transaction's abort resets it */
		}
	}
	PlannerSettings(const PlannerSettings &) = delete;
	PlannerSettings &operator=(const PlannerSettings &) = delete;

private:
	int level_;
};

Param
ArrayOf(const std::vector<Datum> &datums, const std::vector<bool> &nulls, Oid element_type) {
	int16 len;
	bool byval;
	char align;
	PgCall(get_typlenbyvalalign, element_type, &len, &byval, &align);
	int count = static_cast<int>(datums.size());
	int dims[1] = {count};
	int lbs[1] = {1};
	const Datum *data = datums.data();
	/* std::vector<bool> has no data(): copy into a plain array for construct_md_array. */
	bool *null_flags = static_cast<bool *>(PgCall(palloc, sizeof(bool) * (count ? count : 1)));
	for (int i = 0; i < count; ++i)
		null_flags[i] = nulls[i];
	ArrayType *array = PgCall(
	    [](const Datum *d, bool *n, int c, int *dm, int *lb, Oid t, int16 l, bool bv, char a) {
		    return construct_md_array(const_cast<Datum *>(d), n, 1, dm, lb, t, l, bv, a);
	    },
	    data, null_flags, count, dims, lbs, element_type, len, byval, align);
	return {PointerGetDatum(array), false};
}

Datum
TextDatum(const std::string &utf8) {
	const auto make = [](const std::string &value) {
		return PgCall([](const char *d, int l) { return PointerGetDatum(cstring_to_text_with_len(d, l)); },
		              value.data(), static_cast<int>(value.size()));
	};
	return ServerIsUtf8() ? make(utf8) : make(ToServer(utf8));
}

/* The relations a prepared statement reads or writes. */
std::vector<Oid>
RelationsOf(SPIPlanPtr plan) {
	std::vector<Oid> relations;
	List *sources = PgCall(SPI_plan_get_plan_sources, plan);
	ListCell *source;
	foreach (source, sources) {
		ListCell *relation;
		foreach (relation, static_cast<CachedPlanSource *>(lfirst(source))->relationOids)
			relations.push_back(lfirst_oid(relation));
	}
	return relations;
}

} // namespace

SPIPlanPtr
CachedPlan(const std::string &key, const std::string &sql, const std::vector<Oid> &types, Planning planning) {
	auto &cache = Cache();
	FreeRetired();
	const auto requested = [](const auto &item) { return item.second.planning == Planning::Chosen; };
	if (planning == Planning::Chosen && !cache.count(key) &&
	    std::count_if(cache.begin(), cache.end(), requested) >= static_cast<std::ptrdiff_t>(kMaxRequestPlans))
		for (auto it = cache.begin(); it != cache.end();) {
			if (!requested(*it)) {
				++it;
				continue;
			}
			if (it->second.plan)
				Release(it->second.plan);
			it = cache.erase(it);
		}
	CacheEntry &entry = cache[key];
	if (entry.plan && entry.sql == sql && PgCall(SPI_plan_is_valid, entry.plan))
		return entry.plan;
	if (entry.plan) {
		Release(entry.plan);
		entry.plan = nullptr;
	}
	entry.planning = planning;
	const std::string server_sql = ToServer(sql);
	const char *text = server_sql.c_str();
	int count = static_cast<int>(types.size());
	Oid *type_ptr = const_cast<Oid *>(types.data());
	/* Link operations want generic plans: planned once, never per call with a batch's arrays
	 * as constants (which costs more than executing small batches, and can bring JIT
	 * compilation to large ones), except where a generic plan can be quadratic. */
	const int options = planning == Planning::PerCall  ? CURSOR_OPT_CUSTOM_PLAN
	                    : planning == Planning::Chosen ? 0
	                                                   : CURSOR_OPT_GENERIC_PLAN;

	const auto prepare = [&](int cursor_options) {
		SPIPlanPtr prepared = PgCall([](const char *t, int c, Oid *ty, int o) { return SPI_prepare_cursor(t, c, ty, o); },
		                             text, count, type_ptr, cursor_options);
		if (!prepared)
			throw Error(sqlstate::kInternalError,
			            std::string("SPI_prepare failed: ") + SPI_result_code_string(SPI_result), "Query: " + sql);
		return prepared;
	};
	SPIPlanPtr plan = prepare(options);
	/* Citus makes no distributed plan from a generic one: a statement that reads a Citus table
	 * is planned with each call's values. */
	if (options != CURSOR_OPT_CUSTOM_PLAN && citus::AnyCitusTable(RelationsOf(plan))) {
		PgCall(SPI_freeplan, plan);
		plan = prepare(CURSOR_OPT_CUSTOM_PLAN);
	}
	PgCall(SPI_keepplan, plan);
	if (planning == Planning::PerCall || planning == Planning::Probes)
		SetPlans().emplace(plan, planning);
	entry.plan = plan;
	entry.sql = sql;
	return plan;
}

ScratchMemory::ScratchMemory() : previous_(CurrentMemoryContext) {
	scratch_ = PgCall([](MemoryContext parent) { return AllocSetContextCreate(parent, "link_module scratch", ALLOCSET_DEFAULT_SIZES); },
	                  previous_);
	MemoryContextSwitchTo(scratch_);
}

ScratchMemory::~ScratchMemory() {
	MemoryContextSwitchTo(previous_);
	if (std::uncaught_exceptions() == 0)
		MemoryContextDelete(scratch_);
}

uint64
ExecutePlan(SPIPlanPtr plan, const std::vector<Param> &params) {
	if (SPI_tuptable) {
		PgCall(SPI_freetuptable, SPI_tuptable);
		SPI_tuptable = nullptr;
	}
	std::vector<Datum> values;
	std::vector<char> nulls;
	for (const auto &param : params) {
		values.push_back(param.value);
		nulls.push_back(param.is_null ? 'n' : ' ');
	}
	Datum *value_ptr = values.data();
	const char *null_ptr = nulls.data();
	/* SPI leaves its procedure context current after a call; the caller's (a ScratchMemory
	 * scope's) stays current instead, or everything allocated after the statement would pile up
	 * in the procedure context until SPI_finish. */
	const MemoryContext caller = CurrentMemoryContext;
	RunningPlan running(plan);
	std::optional<PlannerSettings> settings;
	if (auto set = SetPlans().find(plan); set != SetPlans().end())
		settings.emplace(set->second == Planning::Probes);
	int rc = LatestSnapshotReads::Active() && IsolationUsesXactSnapshot()
	             ? PgCall(
	                   [](SPIPlanPtr p, Datum *v, const char *n) {
		                   return SPI_execute_snapshot(p, v, n, GetLatestSnapshot(), InvalidSnapshot, false, false, 0);
	                   },
	                   plan, value_ptr, null_ptr)
	             : PgCall([](SPIPlanPtr p, Datum *v, const char *n,
	                         bool r) { return SPI_execute_plan(p, v, n, r, 0); },
	                      plan, value_ptr, null_ptr, ReadOnlyStatements::Active());
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		throw Error(sqlstate::kInternalError, std::string("SPI_execute_plan failed: ") + SPI_result_code_string(rc));
	return SPI_processed;
}

Param
TextArray(const std::vector<std::optional<std::string>> &values) {
	std::vector<Datum> datums(values.size(), 0);
	std::vector<bool> nulls(values.size(), false);
	for (std::size_t i = 0; i < values.size(); ++i) {
		if (!values[i]) {
			nulls[i] = true;
			continue;
		}
		datums[i] = TextDatum(*values[i]);
	}
	return ArrayOf(datums, nulls, TEXTOID);
}

Param
TextArray(const std::vector<std::string> &values) {
	std::vector<Datum> datums(values.size(), 0);
	for (std::size_t i = 0; i < values.size(); ++i)
		datums[i] = TextDatum(values[i]);
	return ArrayOf(datums, std::vector<bool>(values.size(), false), TEXTOID);
}

namespace {

/* An array of by-value elements, none NULL. */
template <typename T, typename ToDatum>
Param
ByValueArray(const std::vector<T> &values, ToDatum to_datum, Oid element_type) {
	std::vector<Datum> datums;
	datums.reserve(values.size());
	for (const T &value : values)
		datums.push_back(to_datum(value));
	return ArrayOf(datums, std::vector<bool>(values.size(), false), element_type);
}

} // namespace

Param
Int4Array(const std::vector<int32> &values) {
	return ByValueArray(values, [](int32 v) { return Int32GetDatum(v); }, INT4OID);
}

Param
TimestampTzArray(const std::vector<TimestampTz> &values) {
	return ByValueArray(values, [](TimestampTz v) { return TimestampTzGetDatum(v); }, TIMESTAMPTZOID);
}

Param
BoolArray(const std::vector<bool> &values) {
	return ByValueArray(values, [](bool v) { return BoolGetDatum(v); }, BOOLOID);
}

Param
Int4Array(const std::vector<std::optional<int32>> &values) {
	std::vector<Datum> datums(values.size(), 0);
	std::vector<bool> nulls(values.size(), false);
	for (std::size_t i = 0; i < values.size(); ++i) {
		if (values[i])
			datums[i] = Int32GetDatum(*values[i]);
		else
			nulls[i] = true;
	}
	return ArrayOf(datums, nulls, INT4OID);
}

Param
Bool(bool value) {
	return {BoolGetDatum(value), false};
}

Param
Text(const std::string &value) {
	return {TextDatum(value), false};
}

namespace {

/* A column of the current SPI_tuptable's first row, in SPI memory; nullopt for NULL or no row. */
std::optional<Datum>
FirstRowValue(int column) {
	if (!SPI_tuptable || SPI_processed == 0)
		return std::nullopt;
	bool is_null = false;
	Datum value = PgCall(
	    [](HeapTuple t, TupleDesc d, int c, bool *n) { return SPI_getbinval(t, d, c, n); }, SPI_tuptable->vals[0],
	    SPI_tuptable->tupdesc, column, &is_null);
	return is_null ? std::nullopt : std::optional<Datum>(value);
}

} // namespace

std::optional<Datum>
ResultDatum(int column) {
	auto value = FirstRowValue(column);
	if (!value)
		return std::nullopt;
	Form_pg_attribute attr = TupleDescAttr(SPI_tuptable->tupdesc, column - 1);
	return PgCall([](Datum v, bool byval, int len) { return SPI_datumTransfer(v, byval, len); }, *value,
	              static_cast<bool>(attr->attbyval), static_cast<int>(attr->attlen));
}

std::optional<Datum>
ResultValue(uint64 row, int column) {
	if (!SPI_tuptable || row >= SPI_processed)
		return std::nullopt;
	bool is_null = false;
	Datum value = PgCall(
	    [](HeapTuple t, TupleDesc d, int c, bool *n) { return SPI_getbinval(t, d, c, n); }, SPI_tuptable->vals[row],
	    SPI_tuptable->tupdesc, column, &is_null);
	return is_null ? std::nullopt : std::optional<Datum>(value);
}

std::optional<std::string>
ResultText(uint64 row, int column) {
	if (!SPI_tuptable || row >= SPI_processed)
		return std::nullopt;
	char *text = PgCall(SPI_getvalue, SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);
	return text ? std::optional<std::string>(ToUtf8(text)) : std::nullopt;
}

namespace {

/* The elements of an array result column of the first row; none when NULL. */
std::pair<Datum *, int>
ResultElements(int column, Oid element_type, int16 len, bool byval, char align) {
	auto value = FirstRowValue(column);
	if (!value)
		return {nullptr, 0};
	Datum *elements = nullptr;
	int count = 0;
	PgCall(
	    [](Datum v, Oid t, int16 l, bool b, char a, Datum **e, int *c) {
		    deconstruct_array(DatumGetArrayTypeP(v), t, l, b, a, e, nullptr, c);
	    },
	    *value, element_type, len, byval, align, &elements, &count);
	return {elements, count};
}

} // namespace

namespace {

/* The by-value elements of an array result column of the first row. */
template <typename T, typename FromDatum>
std::vector<T>
ResultByValueArray(int column, Oid element_type, int16 len, bool byval, char align, FromDatum from_datum) {
	auto [elements, count] = ResultElements(column, element_type, len, byval, align);
	std::vector<T> out;
	out.reserve(count);
	for (int i = 0; i < count; ++i)
		out.push_back(from_datum(elements[i]));
	return out;
}

} // namespace

std::vector<int32>
ResultInt4Array(int column) {
	return ResultByValueArray<int32>(column, INT4OID, 4, true, TYPALIGN_INT, [](Datum d) { return DatumGetInt32(d); });
}

std::vector<bool>
ResultBoolArray(int column) {
	return ResultByValueArray<bool>(column, BOOLOID, 1, true, TYPALIGN_CHAR, [](Datum d) { return DatumGetBool(d); });
}

std::vector<TimestampTz>
ResultTimestampTzArray(int column) {
	return ResultByValueArray<TimestampTz>(column, TIMESTAMPTZOID, sizeof(TimestampTz), FLOAT8PASSBYVAL,
	                                       TYPALIGN_DOUBLE, [](Datum d) { return DatumGetTimestampTz(d); });
}

std::vector<std::string>
ResultTextArray(int column) {
	auto [elements, count] = ResultElements(column, TEXTOID, -1, false, TYPALIGN_INT);
	std::vector<std::string> out;
	out.reserve(count);
	for (int i = 0; i < count; ++i) {
		text *value = DatumGetTextPP(elements[i]);
		out.push_back(ToUtf8(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)));
	}
	return out;
}

} // namespace link_module::pg
