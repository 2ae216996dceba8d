/* Module magic, initialization, settings and the executor hook. */
#include "core/json.hpp"
#include "cascade.hpp"
#include "pg/citus.hpp"
#include "pg/guard.hpp"
#include "settings.hpp"

extern "C" {
#include "executor/executor.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

namespace link_module::settings {
bool notify = true;
int batch_size = 10000;
int graph_max_depth = 6;
int graph_max_take = 1000;
int outside_delete_window = 5000;
}

namespace {

ExecutorStart_hook_type previous_executor_start = nullptr;
ExecutorFinish_hook_type previous_executor_finish = nullptr;

void
StartStatement(QueryDesc *query, int flags) {
	if (!(flags & EXEC_FLAG_EXPLAIN_ONLY))
		link_module::BeforeDistributedChanges(query->plannedstmt);
	if (previous_executor_start)
		previous_executor_start(query, flags);
	else
		standard_ExecutorStart(query, flags);
}

/* Around a statement (after its AFTER triggers): what only the coordinator of a Citus cluster can
 * cascade (link_module::CascadeDistributedChanges). */
void
FinishStatement(QueryDesc *query) {
	if (previous_executor_finish)
		previous_executor_finish(query);
	else
		standard_ExecutorFinish(query);
	link_module::CascadeDistributedChanges(query->plannedstmt);
}

} // namespace

/* Plain C work only: DefineCustom*Variable may ereport, and no C++ frame is live here. */
extern "C" void
_PG_init(void) {
	DefineCustomBoolVariable("link_module.notify",
	                         "Sends NOTIFY link_module events (<entity>.attached / .detached) for link changes.",
	                         "Events are delivered after commit; the payload lists the link ids.",
	                         &link_module::settings::notify, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("link_module.batch_size",
	                        "The most rows one statement of a link operation takes.",
	                        "Larger calls run in several statements, which bounds their working memory.",
	                        &link_module::settings::batch_size, 10000, 1, 10000000, PGC_SUSET, 0, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("link_module.graph_max_depth", "The most links one query_graph field or filter path may cross.",
	                        "A deeper path is an error.", &link_module::settings::graph_max_depth, 6, 1, 100,
	                        PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("link_module.graph_max_take", "The largest pagination.take query_graph accepts.",
	                        "A larger take is an error.", &link_module::settings::graph_max_take, 1000, 1, INT_MAX,
	                        PGC_SUSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("link_module.outside_delete_window",
	                        "How far apart the statements of one delete made outside link_module may lie.",
	                        "link_restore undoes a delete made by other code (Medusa's link.delete: one statement "
	                        "per link table, then the deleteCascade records) as one when its steps lie this close.",
	                        &link_module::settings::outside_delete_window, 5000, 0, 3600 * 1000, PGC_USERSET,
	                        GUC_UNIT_MS, nullptr, nullptr, nullptr);
	MarkGUCPrefixReserved("link_module");
	if (process_shared_preload_libraries_in_progress)
		link_module::pg::citus::SetPreloaded();
	previous_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = StartStatement;
	previous_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = FinishStatement;
	link_module::pg::ResetEntryDepthAtTransactionEnd();
	link_module::SetCoreHooks({[] { link_module::pg::CheckForInterrupts(); },
	                           [] { link_module::pg::PgCall(check_stack_depth); }});
}
