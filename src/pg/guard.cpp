#include "pg/guard.hpp"

#include <cstring>
#include <new>

#include "core/error.hpp"
#include "pg/encoding.hpp"

namespace link_module::pg {

namespace {

/* `prefix` and `text` copied into the current memory context without ever raising or
 * allocating C++ memory (inside a catch block a longjmp would skip the exception's destructor,
 * and a bad_alloc would escape). NULL when memory is exhausted. */
char *
CopyOut(const char *text, const char *prefix = "") noexcept {
	const std::size_t prefix_length = std::strlen(prefix);
	const std::size_t length = std::strlen(text);
	auto *copy = static_cast<char *>(palloc_extended(prefix_length + length + 1, MCXT_ALLOC_NO_OOM));
	if (copy) {
		std::memcpy(copy, prefix, prefix_length);
		std::memcpy(copy + prefix_length, text, length + 1);
	}
	return copy;
}

int entry_depth = 0;

/* Counts a running function; an error leaves the count as the function found it. */
struct EntryScope {
	int saved = entry_depth++;
	~EntryScope() { entry_depth = saved; }
};

} // namespace

int
EntryDepth() {
	return entry_depth;
}

void
ResetEntryDepthAtTransactionEnd() {
	RegisterXactCallback([](XactEvent event, void *) {
		if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT)
			entry_depth = 0;
	}, nullptr);
}

std::string
PgError::Utf8Message() const {
	return data_->message ? ToUtf8(data_->message) : std::string();
}

std::string
PgError::Utf8Detail() const {
	return data_->detail ? ToUtf8(data_->detail) : std::string();
}

void
ThrowCaughtPgError(MemoryContext context) {
	MemoryContextSwitchTo(context);
	ErrorData *data = CopyErrorData();
	FlushErrorState();
	throw PgError(data);
}

namespace {

/* Runs `body`; any exception leaves it as a PostgreSQL error, raised out of every catch block. */
Datum
Guarded(const std::function<Datum()> &body) {
	ErrorData *pg_error = nullptr;
	char state[6] = "XX000";
	char *message = nullptr;
	char *detail = nullptr;
	char *hint = nullptr;

	try {
		EntryScope scope;
		return body();
	} catch (const PgError &error) {
		pg_error = error.data();
	} catch (const Error &error) {
		std::memcpy(state, error.sqlstate().c_str(), 5);
		message = CopyOut(error.what());
		detail = error.detail().empty() ? nullptr : CopyOut(error.detail().c_str());
		hint = error.hint().empty() ? nullptr : CopyOut(error.hint().c_str());
	} catch (const std::bad_alloc &) {
		std::memcpy(state, "53200", 5);
		message = CopyOut("out of memory");
	} catch (const std::exception &error) {
		message = CopyOut(error.what(), "internal error in link_module: ");
	} catch (...) {
		message = CopyOut("internal error in link_module: unknown C++ exception");
	}

	/* Out of every catch block: C++ is done unwinding, so a longjmp is safe from here on. */
	if (pg_error)
		ReThrowError(pg_error);
	message = ToServerForReport(message);
	detail = ToServerForReport(detail);
	hint = ToServerForReport(hint);
	ereport(ERROR, (errcode(MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4])),
	                errmsg_internal("%s", message ? message : "out of memory"),
	                detail ? errdetail_internal("%s", detail) : 0, hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

} // namespace

Datum
EntryGuard(FunctionBody body, FunctionCallInfo fcinfo) {
	return Guarded([&] { return body(fcinfo); });
}

void
GuardHook(const std::function<void()> &body) {
	Guarded([&] {
		body();
		return Datum(0);
	});
}

bool
InSubtransaction(const std::function<void()> &body, const std::function<bool(int)> &expected) {
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	auto leave = [&](void (*end)()) {
		PgCall(end);
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	};
	PgCall(BeginInternalSubTransaction, static_cast<const char *>(nullptr));
	MemoryContextSwitchTo(context);
	try {
		body();
	} catch (const PgError &error) {
		const bool retry = expected(error.data()->sqlerrcode);
		leave(RollbackAndReleaseCurrentSubTransaction);
		if (retry)
			return false;
		throw;
	} catch (...) {
		leave(RollbackAndReleaseCurrentSubTransaction);
		throw;
	}
	leave(ReleaseCurrentSubTransaction);
	return true;
}

namespace {

void
Report(int level, const std::string &message, const std::string &hint) {
	const std::string server_message = ToServer(message);
	const std::string server_hint = ToServer(hint);
	PgCall(
	    [](int l, const char *m, const char *h) { ereport(l, (errmsg_internal("%s", m), *h ? errhint("%s", h) : 0)); },
	    level, server_message.c_str(), server_hint.c_str());
}

} // namespace

void
Notice(const std::string &message, const std::string &hint) {
	Report(NOTICE, message, hint);
}

void
Warning(const std::string &message, const std::string &hint) {
	Report(WARNING, message, hint);
}

void
CheckForInterrupts() {
	PgCall([]() { CHECK_FOR_INTERRUPTS(); });
}

} // namespace link_module::pg
