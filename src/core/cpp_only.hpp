/* Included last by every file of the pure core: proves at compile time that no PostgreSQL
 * header leaked in, so the core builds and is unit-tested without a server. */
#pragma once

#if defined(POSTGRES_H)
static_assert(false, "src/core must not include PostgreSQL headers");
#endif
