/* The one place C++ code includes PostgreSQL headers. C++ headers must come first: port.h
 * redefines snprintf and friends, which breaks <cstdio> if it is included later. */
#pragma once

#include <cstdio>
#include <string>

extern "C" {
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}
