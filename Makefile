# ledgerline — build, test, demo.
#
#   make          build build/ledgerline
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
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN      = -Wall -Wextra -Wpedantic -Werror -Wshadow -Wformat=2 \
            -Wstrict-prototypes -Wmissing-prototypes
CSTD      = -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
SAN_FLAGS =
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(SAN_FLAGS) -Iinclude $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread $(SAN_FLAGS)

LIB_SRC   = $(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c))
CMD_SRC   = src/main.c $(wildcard src/cmd_*.c)
LIB_OBJ   = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o
CMD_OBJ   = $(CMD_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
VERSION   = $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all deps demo check test unit integration sanitize bench clean

all: $(BUILD)/ledgerline

deps:
	@tools/install-deps

$(BUILD)/obj/%.o: src/%.c $(wildcard include/ledgerline/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DLL_VERSION='"$(VERSION)"' -c -o $@ $<

$(BUILD)/gen/migrations.c: $(wildcard sql/*.sql) tools/embed-sql
	@mkdir -p $(dir $@)
	tools/embed-sql $@ $(sort $(wildcard sql/*.sql))

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c include/ledgerline/db.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libledgerline.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ledgerline: $(CMD_OBJ) $(BUILD)/libledgerline.a
	$(CC) $(CFLAGS_ALL) -o $@ $(CMD_OBJ) $(BUILD)/libledgerline.a $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libledgerline.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(BUILD)/libledgerline.a \
		$(LDLIBS_ALL) $(shell pkg-config --libs cmocka 2>/dev/null)

unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

integration: $(BUILD)/ledgerline
	@LEDGERLINE_BIN=$(abspath $(BUILD)/ledgerline) tests/integration/run

# The suite proper: unit then integration, one closing summary line.
test: $(BUILD)/ledgerline $(UNIT_BIN)
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

# The demo's embedded cluster is destroyed (not only stopped): as root it
# may live under /var/lib/ledgerline/clusters, outside build/.
clean:
	-@[ ! -x $(BUILD)/ledgerline ] || LEDGERLINE_HOME=$(abspath $(BUILD))/demo-home \
		LEDGERLINE_DSN= LEDGERLINE_CONFIG=/dev/null \
		$(BUILD)/ledgerline db destroy --yes >/dev/null 2>&1
	rm -rf build build-san
