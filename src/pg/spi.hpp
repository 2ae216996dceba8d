/* SPI from C++: every call goes through PgCall, values travel as parameters, results come
 * back as text. Used by the registry and DDL paths, where clarity beats raw speed. */
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/definition.hpp"
#include "pg/postgres.hpp"

namespace link_module::pg {

using Value = std::optional<std::string>;
using Row = std::vector<Value>;

/* An SPI connection for one function call. Finish() on success; after an error the
 * transaction (or subtransaction) abort releases it, as for any SPI caller. */
class SpiConnection {
public:
	SpiConnection();
	void Finish();
};

/* Runs `sql` with text parameters $1..$n (cast them in SQL: $1::oid) and returns all rows.
 * With a `cache_key` the statement is prepared once per backend (pg/plan_cache). */
std::vector<Row> Query(const std::string &sql, const std::vector<Value> &params = {},
                       const std::string &cache_key = {});

/* The first column of the first row, or nullopt when there is no row or it is NULL. */
Value QueryValue(const std::string &sql, const std::vector<Value> &params = {}, const std::string &cache_key = {});

void Execute(const std::string &sql, const std::vector<Value> &params = {});

/* Runs `sql` (no parameters) through a cursor and hands its rows to `each`, at most `batch` at a
 * time, each batch's PostgreSQL allocations in scratch memory freed after it: a huge result
 * (a statement's transition table) never sits in memory whole. `each` may run other statements. */
void ForEachBatch(const std::string &sql, long batch, const std::function<void(std::vector<Row> &)> &each);

/* An active snapshot for the scope: the transaction's; a copy of the active one that sees this
 * transaction's changes so far (OwnChanges: catalog reads right after a Citus UDF wrote its
 * metadata); or the latest (Latest: metadata as other sessions committed it since the statement
 * began). Popped at the scope's end, not while an exception unwinds: the (sub)transaction's abort
 * pops it then, with whatever a failed statement left above it. */
class ScopedSnapshot {
public:
	enum Kind { Transaction, OwnChanges, Latest };
	explicit ScopedSnapshot(Kind kind = Transaction);
	~ScopedSnapshot();
	ScopedSnapshot(const ScopedSnapshot &) = delete;
	ScopedSnapshot &operator=(const ScopedSnapshot &) = delete;
};

/* quote_identifier and quote_literal, as the core's Quoter. */
const Quoter &PgQuoter();

/* The five-character SQLSTATE of a caught PostgreSQL error. */
std::string SqlState(const ErrorData *data);

/* Function-argument and result conversions. */
std::optional<std::string> TextArg(FunctionCallInfo fcinfo, int n);
std::optional<Oid> OidArg(FunctionCallInfo fcinfo, int n);
std::optional<bool> BoolArg(FunctionCallInfo fcinfo, int n);
Datum JsonbDatum(const std::string &json_text);

/* NOTIFY link_module, payload given in UTF-8 (delivered after commit). */
void Notify(const std::string &payload);

} // namespace link_module::pg
