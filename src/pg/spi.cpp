#include "pg/spi.hpp"

#include "core/error.hpp"
#include "pg/encoding.hpp"
#include "pg/guard.hpp"
#include "pg/plan_cache.hpp"

extern "C" {
#include "utils/snapmgr.h"
}

namespace link_module::pg {

namespace {

std::string
ToString(const char *text) {
	return text ? std::string(text) : std::string();
}

/* Executes and checks the SPI result code; returns the number of rows processed. */
uint64
Run(const std::string &utf8_sql, const std::vector<Value> &params, const std::string &cache_key = {}) {
	int n = static_cast<int>(params.size());
	if (cache_key.empty() && LatestSnapshotReads::Active())
		throw Error(sqlstate::kInternalError, "a read of the latest rows needs a cached statement", "Query: " + utf8_sql);
	if (!cache_key.empty()) {
		std::vector<Param> values;
		for (const auto &param : params)
			values.push_back(param ? Text(*param) : Param{0, true});
		return ExecutePlan(CachedPlan(cache_key, utf8_sql, std::vector<Oid>(n, TEXTOID)), values);
	}
	const std::string sql = ToServer(utf8_sql);
	std::vector<Oid> types(n, TEXTOID);
	std::vector<Datum> values(n, 0);
	std::vector<char> nulls(n, ' ');
	for (int i = 0; i < n; ++i) {
		if (!params[i]) {
			nulls[i] = 'n';
			continue;
		}
		values[i] = Text(*params[i]).value;
	}
	const char *query = sql.c_str();
	Oid *type_ptr = types.data();
	Datum *value_ptr = values.data();
	const char *null_ptr = nulls.data();
	const MemoryContext caller = CurrentMemoryContext; /* as in ExecutePlan */
	int rc = PgCall(
	    [](const char *q, int count, Oid *t, Datum *v, const char *nl) {
		    return SPI_execute_with_args(q, count, t, v, nl, false, 0);
	    },
	    query, n, type_ptr, value_ptr, null_ptr);
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		throw Error(sqlstate::kInternalError,
		            "SPI_execute_with_args failed: " + ToString(SPI_result_code_string(rc)), "Query: " + sql);
	return SPI_processed;
}

} // namespace

SpiConnection::SpiConnection() {
	int rc = PgCall([]() { return SPI_connect(); });
	if (rc != SPI_OK_CONNECT)
		throw Error(sqlstate::kInternalError, "SPI_connect failed: " + ToString(SPI_result_code_string(rc)));
}

void
SpiConnection::Finish() {
	PgCall([]() { SPI_finish(); });
}

namespace {

/* The rows of SPI_tuptable as text. */
std::vector<Row>
ResultRows(uint64 count) {
	std::vector<Row> rows;
	if (!SPI_tuptable)
		return rows;
	SPITupleTable *table = SPI_tuptable;
	int columns = table->tupdesc->natts;
	rows.reserve(count);
	for (uint64 r = 0; r < count; ++r) {
		Row row;
		row.reserve(columns);
		for (int c = 1; c <= columns; ++c) {
			char *text = PgCall(SPI_getvalue, table->vals[r], table->tupdesc, c);
			row.push_back(text ? Value(ToUtf8(text)) : std::nullopt);
		}
		rows.push_back(std::move(row));
	}
	return rows;
}

} // namespace

std::vector<Row>
Query(const std::string &sql, const std::vector<Value> &params, const std::string &cache_key) {
	return ResultRows(Run(sql, params, cache_key));
}

void
ForEachBatch(const std::string &sql, long batch, const std::function<void(std::vector<Row> &)> &each) {
	const std::string server_sql = ToServer(sql);
	Portal portal = PgCall(
	    [](const char *q) { return SPI_cursor_open_with_args(nullptr, q, 0, nullptr, nullptr, nullptr, true, 0); },
	    server_sql.c_str());
	for (;;) {
		ScratchMemory scratch;
		const MemoryContext caller = CurrentMemoryContext; /* as in ExecutePlan */
		PgCall([](Portal p, long n) { SPI_cursor_fetch(p, true, n); }, portal, batch);
		MemoryContextSwitchTo(caller);
		if (SPI_processed == 0)
			break;
		std::vector<Row> rows = ResultRows(SPI_processed);
		PgCall(SPI_freetuptable, SPI_tuptable);
		each(rows);
	}
	PgCall(SPI_cursor_close, portal);
}

Value
QueryValue(const std::string &sql, const std::vector<Value> &params, const std::string &cache_key) {
	auto rows = Query(sql, params, cache_key);
	if (rows.empty() || rows[0].empty())
		return std::nullopt;
	return rows[0][0];
}

void
Execute(const std::string &sql, const std::vector<Value> &params) {
	Run(sql, params);
}

ScopedSnapshot::ScopedSnapshot(Kind kind) {
	PgCall([](Kind k) {
		if (k == Transaction) {
			PushActiveSnapshot(GetTransactionSnapshot());
		} else if (k == Latest) {
			PushActiveSnapshot(GetLatestSnapshot());
		} else {
			CommandCounterIncrement();
			PushCopiedSnapshot(GetActiveSnapshot());
			UpdateActiveSnapshotCommandId();
		}
	}, kind);
}

ScopedSnapshot::~ScopedSnapshot() {
	if (std::uncaught_exceptions() == 0)
		PopActiveSnapshot();
}

const Quoter &
PgQuoter() {
	static const Quoter quoter{
	    [](const std::string &name) { return std::string(PgCall(quote_identifier, name.c_str())); },
	    [](const std::string &value) {
		    return std::string(PgCall([](const char *v) { return quote_literal_cstr(v); }, value.c_str()));
	    }};
	return quoter;
}

std::string
SqlState(const ErrorData *data) {
	return std::string(PgCall(unpack_sql_state, data->sqlerrcode));
}

std::optional<std::string>
TextArg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	Datum datum = PG_GETARG_DATUM(n);
	return ToUtf8(PgCall([](Datum d) { return text_to_cstring(DatumGetTextPP(d)); }, datum));
}

std::optional<Oid>
OidArg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	return PG_GETARG_OID(n);
}

std::optional<bool>
BoolArg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	return PG_GETARG_BOOL(n);
}

Datum
JsonbDatum(const std::string &utf8_json) {
	const std::string server_json = ToServer(utf8_json);
	const char *text = server_json.c_str();
	return PgCall([](const char *t) { return DirectFunctionCall1(jsonb_in, CStringGetDatum(pstrdup(t))); }, text);
}

void
Notify(const std::string &payload) {
	const std::string server_payload = ToServer(payload);
	PgCall([](const char *p) { Async_Notify("link_module", p); }, server_payload.c_str());
}

} // namespace link_module::pg
