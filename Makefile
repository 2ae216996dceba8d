# link_module: PGXS build of the extension (PostgreSQL 15, 17 and 18), plus the test entry points.
EXTENSION = link_module
EXTVERSION = 0.2.0
MODULE_big = link_module
# Every version's script and the upgrade scripts between them (ALTER EXTENSION link_module UPDATE).
DATA = link_module--0.1.0.sql link_module--0.1.0--0.2.0.sql link_module--$(EXTVERSION).sql

SRCS = $(wildcard src/*.cpp src/core/*.cpp src/pg/*.cpp)
OBJS = $(SRCS:.cpp=.o)

# pg_regress suites: sql/<name>.sql against expected/<name>.out, in this order.
REGRESS = extension naming linkables define_link column_types redefine errors link_create link_manage link_errors link_batches link_cache cascade cascade_triggers cascade_privileges query_graph cascade_active cascade_restore cascade_outside cascade_nested cascade_random privileges hostile linkable_kinds adoption lifecycle registry_owners
REGRESS_OPTS = --load-extension=$(EXTENSION)

# Isolation specs: test/isolation/specs/<name>.spec against test/isolation/expected/<name>.out.
ISOLATION = define_link_concurrency link_create_concurrency cascade_concurrency notify link_cache concurrent_ddl cascade_opposite restore_race graph_concurrency purge_race
ISOLATION_OPTS = --load-extension=$(EXTENSION) --inputdir=test/isolation --outputdir=output_iso

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CXXFLAGS = -std=c++17 -Wno-register -Wshadow -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# Header dependencies: PGXS does not track them, and a stale object with an old struct layout
# crashes the backend.
PG_CXXFLAGS += -MMD -MP
EXTRA_CLEAN = $(OBJS:.o=.d) .pg_build build results output_iso regression.diffs regression.out
SHLIB_LINK = -lstdc++

# No LLVM bitcode: PGXS would need clang for the C++ sources, and JIT inlining of these
# functions buys nothing. `override` beats the assignment in PGXS's Makefile.global.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

# Objects compiled against another PostgreSQL than PG_CONFIG's are compiled again: .pg_build names
# the installation, and is rewritten (so newer than the objects) only when PG_CONFIG's differs.
pg_build := $(shell $(PG_CONFIG) --version) $(shell $(PG_CONFIG) --includedir-server)
$(OBJS): .pg_build
.pg_build: FORCE
	@[ "$$(cat $@ 2>/dev/null)" = "$(pg_build)" ] || echo "$(pg_build)" >$@
.PHONY: FORCE

.PHONY: unit
unit: $(filter src/core/%,$(OBJS))
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DLINK_MODULE_PGXS_CORE=ON >/dev/null
	cmake --build build -j2
	cd build && ctest --output-on-failure
