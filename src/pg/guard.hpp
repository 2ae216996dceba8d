/* The C++/PostgreSQL error boundary.
 *
 * Two directions, one rule each:
 *  - C++ -> PostgreSQL: every SQL-callable function is declared with LM_FUNCTION, whose C entry
 *    point runs the C++ body inside EntryGuard. EntryGuard catches every C++ exception, leaves
 *    the catch block, and only then raises it with ereport (SQLSTATE, detail and hint kept).
 *  - PostgreSQL -> C++: a PostgreSQL function that can ereport is called through PgCall, which
 *    catches the longjmp, copies the error and throws it as PgError, so C++ destructors run.
 *    EntryGuard re-raises a PgError unchanged (ReThrowError).
 * Inside PgCall only trivially destructible values live between sigsetjmp and the call; the
 * static_asserts below enforce that for the arguments and the result. */
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <type_traits>

#include "pg/postgres.hpp"

namespace link_module::pg {

/* A PostgreSQL error, copied out of the error stack, on its way back to EntryGuard. */
class PgError : public std::exception {
public:
	explicit PgError(ErrorData *data) : data_(data) {}
	const char *what() const noexcept override { return data_->message ? data_->message : "PostgreSQL error"; }
	ErrorData *data() const noexcept { return data_; }
	/* Its message and detail in UTF-8, for the core's own errors that quote them. */
	std::string Utf8Message() const;
	std::string Utf8Detail() const;

private:
	ErrorData *data_;
};

/* Copies the current PostgreSQL error into `context`, clears the error state and throws it. */
[[noreturn]] void ThrowCaughtPgError(MemoryContext context);

/* Calls a PostgreSQL function that may ereport; its error comes back as a PgError. */
template <typename Func, typename... Args>
auto
PgCall(Func func, Args... args) -> decltype(func(args...)) {
	using Result = decltype(func(args...));
	static_assert(std::is_void_v<Result> || std::is_trivially_destructible_v<Result>,
	              "PgCall results must be trivially destructible");
	static_assert((std::is_trivially_destructible_v<Args> && ...) && std::is_trivially_destructible_v<Func>,
	              "PgCall arguments must be trivially destructible");

	MemoryContext context = CurrentMemoryContext;
	sigjmp_buf *saved_stack = PG_exception_stack;
	ErrorContextCallback *saved_context = error_context_stack;
	sigjmp_buf local;
	if (sigsetjmp(local, 0) != 0) {
		PG_exception_stack = saved_stack;
		error_context_stack = saved_context;
		ThrowCaughtPgError(context);
	}
	PG_exception_stack = &local;
	if constexpr (std::is_void_v<Result>) {
		func(args...);
		PG_exception_stack = saved_stack;
		error_context_stack = saved_context;
	} else {
		Result result = func(args...);
		PG_exception_stack = saved_stack;
		error_context_stack = saved_context;
		return result;
	}
}

using FunctionBody = Datum (*)(FunctionCallInfo);

/* Runs a C++ function body and turns any exception into a PostgreSQL error. */
Datum EntryGuard(FunctionBody body, FunctionCallInfo fcinfo);

/* The same for a hook or callback PostgreSQL calls (an executor hook, a transaction callback). */
void GuardHook(const std::function<void()> &body);

/* How many link_module functions (triggers included) this backend is running, the caller
 * included: more than one means the caller runs for one of link_module's own statements. */
int EntryDepth();

/* From _PG_init: a transaction's end finds no function running (a safety net: only an error
 * that skipped EntryGuard's unwinding could leave the count up). */
void ResetEntryDepthAtTransactionEnd();

/* Runs `body` in a subtransaction. If it fails with a PostgreSQL error whose errcode
 * `expected` accepts, the subtransaction is rolled back and the result is false; any other
 * error rolls it back and goes on up. */
bool InSubtransaction(const std::function<void()> &body, const std::function<bool(int)> &expected);

/* A NOTICE or a WARNING to the client (message and hint in UTF-8). */
void Notice(const std::string &message, const std::string &hint = {});
void Warning(const std::string &message, const std::string &hint = {});

/* CHECK_FOR_INTERRUPTS for C++ loops: a cancel arrives as a PgError. */
void CheckForInterrupts();

} // namespace link_module::pg

/* Declares SQL-callable function `name`; the braces that follow are its C++ body. */
#define LM_FUNCTION(name)                                                                                              \
	static Datum name##_body(FunctionCallInfo fcinfo);                                                                 \
	extern "C" {                                                                                                       \
	PG_FUNCTION_INFO_V1(name);                                                                                         \
	Datum name(PG_FUNCTION_ARGS) { return link_module::pg::EntryGuard(name##_body, fcinfo); }                          \
	}                                                                                                                  \
	static Datum name##_body(FunctionCallInfo fcinfo)
