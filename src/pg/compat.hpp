/* The differences between the PostgreSQL versions link_module builds against (15, 17 and 18):
 * each one behind PG_VERSION_NUM here, and nowhere else. */
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "storage/proc.h"
}

namespace link_module::pg {

/* This backend's local transaction id: a field of PGPROC's own before 17, of its vxid since. */
inline LocalTransactionId
LocalTransaction() {
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

} // namespace link_module::pg
