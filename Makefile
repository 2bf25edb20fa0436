# ledgerline — build, test, demo.
#
#   make          build build/ledgerline
#   make tidy     the house rules (tools/tidy); make check runs it first
#   make demo     install what is missing, run the main job on demo data
#   make check    install what is missing, build, run every test
#   make sanitize the whole suite under ASan + UBSan
#   make bench    the benchmark (tools/bench)
#
# Library flags come from pkg-config and are evaluated lazily, so that
# `make check` on a fresh machine can install the packages first.

CC       ?= cc
BUILD    ?= build
PKGS      = libpq libcurl jansson gmp openssl
CORE_PKGS = gmp jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_PKG_CFLAGS = $(shell pkg-config --cflags $(CORE_PKGS) 2>/dev/null)
CORE_PKG_LIBS   = $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null)
CMOCKA_LIBS     = $(shell pkg-config --libs cmocka 2>/dev/null)
WARN      = -Wall -Wextra -Wpedantic -Werror -Wshadow -Wformat=2 \
            -Wstrict-prototypes -Wmissing-prototypes
CSTD      = -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
SAN_FLAGS =
CFLAGS_BASE = $(CSTD) $(OPT) $(WARN) $(SAN_FLAGS) -Iinclude
CFLAGS_ALL  = $(CFLAGS_BASE) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
# The core sees GMP and jansson and nothing else (docs/design.md).
CFLAGS_CORE = $(CFLAGS_BASE) $(CORE_PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL  = $(PKG_LIBS) -lpthread $(SAN_FLAGS)
LDLIBS_CORE = $(CORE_PKG_LIBS) $(SAN_FLAGS)

# Layers, innermost first; each may include its own headers and those of
# the layers before it (tools/tidy checks).
CORE_SRC  = $(wildcard src/core/*.c)
LIB_SRC   = $(wildcard src/edge/*.c src/evidence/*.c src/output/*.c \
                       src/store/*.c)
CMD_SRC   = $(wildcard src/cli/*.c)
CORE_OBJ  = $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJ   = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o
CMD_OBJ   = $(CMD_SRC:src/%.c=$(BUILD)/obj/%.o)
HEADERS   = $(wildcard include/ledgerline/*.h src/*/*.h)
CORE_LIB  = $(BUILD)/libledgerline-core.a
FULL_LIB  = $(BUILD)/libledgerline.a
# The unit test of a core module links the core library alone, except
# test_engine, which also checks compliance.json (output layer).  Tests
# whose oracle is OpenSSL's SHA-256 link libcrypto for the oracle only.
CORE_TESTS = $(filter-out engine,$(CORE_SRC:src/core/%.c=%))
ORACLE_TESTS = $(BUILD)/tests/test_hash $(BUILD)/tests/test_manifest
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CORE_UNIT_BIN = $(filter $(CORE_TESTS:%=$(BUILD)/tests/test_%),$(UNIT_BIN))
FULL_UNIT_BIN = $(filter-out $(CORE_UNIT_BIN),$(UNIT_BIN))
# What every unit test shares (tests/unit/fixture.h): it uses the C
# library and cmocka only, so that core and full binaries link it.
UNIT_FIXTURE = $(BUILD)/tests/fixture.o
UNIT_DEPS = $(UNIT_FIXTURE) tests/unit/unit.h tests/unit/fixture.h
VERSION   = $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all deps demo check test tidy unit integration sanitize bench clean FORCE \
	check-slurm

all: $(BUILD)/ledgerline

deps:
	@tools/install-deps

$(BUILD)/obj/core/%.o: src/core/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DLL_VERSION='"$(VERSION)"' -c -o $@ $<

# The list of migrations, rewritten only when it changes: a migration
# removed or renamed remakes migrations.c as one added does.
MIGRATIONS_SQL := $(sort $(wildcard sql/*.sql))
$(BUILD)/gen/migrations.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MIGRATIONS_SQL)' | cmp -s - $@ 2>/dev/null || \
		echo '$(MIGRATIONS_SQL)' > $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS_SQL) $(BUILD)/gen/migrations.list \
			   tools/embed-sql
	@mkdir -p $(dir $@)
	tools/embed-sql $@ $(MIGRATIONS_SQL)

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c include/ledgerline/db.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(FULL_LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ledgerline: $(CMD_OBJ) $(FULL_LIB) $(CORE_LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $(CMD_OBJ) $(FULL_LIB) $(CORE_LIB) $(LDLIBS_ALL)

$(ORACLE_TESTS): ORACLE_CFLAGS = $(shell pkg-config --cflags libcrypto 2>/dev/null)
$(ORACLE_TESTS): ORACLE_LIBS = $(shell pkg-config --libs libcrypto 2>/dev/null)

$(UNIT_FIXTURE): tests/unit/fixture.c tests/unit/fixture.h tests/unit/unit.h \
		$(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -Itests/unit -c -o $@ $<

# test_tally and test_partial share a registry and run context
# (tests/unit/fixture_tally.h), built on the core library.
TALLY_FIXTURE = $(BUILD)/tests/fixture_tally.o
TALLY_TESTS = $(BUILD)/tests/test_tally $(BUILD)/tests/test_partial
$(TALLY_TESTS): TALLY_OBJ = $(TALLY_FIXTURE)
$(TALLY_TESTS): $(TALLY_FIXTURE)

$(TALLY_FIXTURE): tests/unit/fixture_tally.c tests/unit/fixture_tally.h \
		tests/unit/fixture.h tests/unit/unit.h $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -Itests/unit -c -o $@ $<

$(CORE_UNIT_BIN): $(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB) $(UNIT_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) $(ORACLE_CFLAGS) -Itests/unit -o $@ $< \
		$(UNIT_FIXTURE) $(TALLY_OBJ) $(CORE_LIB) $(LDLIBS_CORE) $(ORACLE_LIBS) \
		$(CMOCKA_LIBS)

$(FULL_UNIT_BIN): $(BUILD)/tests/%: tests/unit/%.c $(FULL_LIB) $(CORE_LIB) $(UNIT_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(UNIT_FIXTURE) $(FULL_LIB) \
		$(CORE_LIB) $(LDLIBS_ALL) $(CMOCKA_LIBS)

# Banned calls, the direction of includes between layers, function length,
# named array sizes in headers (docs/design.md).
tidy:
	@tools/tidy

unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

integration: $(BUILD)/ledgerline
	@LEDGERLINE_BIN=$(abspath $(BUILD)/ledgerline) tests/integration/run

# The suite proper: tidy first (a violation stops here), then unit, tidy's
# own tests and integration, one closing summary line.
test: tidy $(BUILD)/ledgerline $(UNIT_BIN)
	@LEDGERLINE_BIN=$(abspath $(BUILD)/ledgerline) tests/run-all $(UNIT_BIN)

check: deps
	@$(MAKE) --no-print-directory test

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPT='-O1 -g -fno-omit-frame-pointer' \
		SAN_FLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' test

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench

# Optional, not part of check: the Slurm recipe of docs/scale.md on a
# one-node cluster on the loopback (needs tools/install-deps --with slurm
# and root).
check-slurm: all
	@LEDGERLINE_BIN=$(abspath $(BUILD)/ledgerline) tests/slurm/run

# The demo's embedded cluster is destroyed (not only stopped): as root it
# may live under /var/lib/ledgerline/clusters, outside build/.
clean:
	-@[ ! -x $(BUILD)/ledgerline ] || LEDGERLINE_HOME=$(abspath $(BUILD))/demo-home \
		LEDGERLINE_DSN= LEDGERLINE_CONFIG=/dev/null \
		$(BUILD)/ledgerline db destroy --yes >/dev/null 2>&1
	rm -rf build build-san

FORCE:
