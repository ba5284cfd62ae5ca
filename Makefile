# Makefile -- builds every pushlab program into bin/, objects into build/.
#
#   make            build everything (installs missing libraries first)
#   make check      build and run every test (unit, integration, browser)
#   make sanitize   the same tests, built with AddressSanitizer + UBSan
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 30)
#   make demo       pushviz on a bundled capture, or live with all servers
#   make captures   re-record captures/*.pcap
#   make bench      benchmarks against peers (tshark, node ws, ...)
#   make deps       install what is missing (apt-get, npm)
#   make clean
#
# Sources are found by wildcard, so adding a file needs no edit here:
#   src/proto, src/net, src/lab  -> one static library each
#   src/servers/NAME.c           -> bin/pushlab-NAME
#   src/client/*.c               -> bin/pushlab-client
#   viz/*.c, viz/STAGE/*.c       -> bin/pushviz (viz/pushviz.c holds main)
#   src/web/*                    -> built into the servers (build/gen/web_assets.c)
#   tests/unit/check_NAME.c      -> a Check test program
#   tests/fuzz/fuzz_NAME.c       -> a libFuzzer target

CC      ?= gcc
BUILD   ?= build
BIN     ?= bin
SAN     ?=
FUZZ_SECONDS ?= 30

CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror
OPT      = -O2 -g
# (Named first: a comma written inside $(if ...) would split its arguments.)
SAN_ON   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS = $(if $(SAN),$(SAN_ON))
# Recursively expanded on purpose: pkg-config runs when a recipe needs the
# flags, which is after the deps stamp has installed the libraries.
PKG_CFLAGS = $(shell pkg-config --cflags libpcap ncursesw check)
CFLAGS   = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -Isrc -Iviz -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS  = $(SANFLAGS)
LIBPCAP  = $(shell pkg-config --libs libpcap)
LIBCURSES= $(shell pkg-config --libs ncursesw)
LIBCHECK = $(shell pkg-config --libs check)

PROTO_SRC  = $(wildcard src/proto/*.c)
NET_SRC    = $(wildcard src/net/*.c)
LAB_SRC    = $(wildcard src/lab/*.c)
SERVER_SRC = $(wildcard src/servers/*.c)
CLIENT_SRC = $(wildcard src/client/*.c)
VIZ_SRC    = $(filter-out viz/pushviz.c,$(wildcard viz/*.c viz/*/*.c))
WEB_FILES  = $(sort $(wildcard src/web/*.html src/web/*.css src/web/*.js))
UNIT_SRC   = $(wildcard tests/unit/check_*.c)
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBPROTO = $(BUILD)/libproto.a
LIBNET   = $(BUILD)/libnet.a
LIBLAB   = $(BUILD)/liblab.a
LIBVIZ   = $(BUILD)/libviz.a
LIBCLIENT= $(BUILD)/libclient.a
WEB_OBJ  = $(BUILD)/obj/gen/web_assets.o

SERVERS  = $(patsubst src/servers/%.c,$(BIN)/pushlab-%,$(SERVER_SRC))
CLIENT   = $(if $(CLIENT_SRC),$(BIN)/pushlab-client)
PUSHVIZ  = $(if $(wildcard viz/pushviz.c),$(BIN)/pushviz)
PROGRAMS = $(SERVERS) $(CLIENT) $(PUSHVIZ)
UNITS    = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
DEPS_OK  = $(BUILD)/.deps-ok

.PHONY: all check check-units check-integration check-browser sanitize fuzz demo \
        captures bench deps clean
.DEFAULT_GOAL := all
# Keep the objects of test programs (make would delete them as intermediates).
.SECONDARY:

all: $(PROGRAMS)

# ---- dependencies: install what pkg-config cannot find, once ----
$(DEPS_OK):
	@mkdir -p $(@D)
	@pkg-config --exists libpcap ncursesw check zlib || sh .ci/deps libs
	@touch $@

deps:
	sh .ci/deps all

# ---- compiling ----
$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_FILES) src/web/embed.sh
	@mkdir -p $(@D)
	sh src/web/embed.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(WEB_OBJ): $(BUILD)/gen/web_assets.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBPROTO): $(call obj,$(PROTO_SRC))
$(LIBNET):   $(call obj,$(NET_SRC))
$(LIBLAB):   $(call obj,$(LAB_SRC)) $(WEB_OBJ)
$(LIBVIZ):   $(call obj,$(VIZ_SRC))
$(LIBCLIENT):$(call obj,$(filter-out src/client/main.c,$(CLIENT_SRC)))
$(BUILD)/lib%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# ---- programs (libraries listed top of the dependency order first) ----
$(BIN)/pushlab-%: $(BUILD)/obj/src/servers/%.o $(LIBLAB) $(LIBNET) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BIN)/pushlab-client: $(call obj,$(CLIENT_SRC)) $(LIBNET) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BIN)/pushviz: $(BUILD)/obj/viz/pushviz.o $(LIBVIZ) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBPCAP) $(LIBCURSES) -lm

# ---- tests ----
$(BUILD)/tests/check_%: $(BUILD)/obj/tests/unit/check_%.o $(if $(VIZ_SRC),$(LIBVIZ)) \
		$(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBLAB) $(LIBNET) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBCHECK) $(LIBPCAP) $(LIBCURSES) -lm

# tests/run prints one line per suite and a closing "N passed, N failed".
check: $(PROGRAMS) $(UNITS)
	sh tests/run --build $(BUILD) --bin $(BIN) all

check-units: $(UNITS)
	sh tests/run --build $(BUILD) --bin $(BIN) units

check-integration: $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) integration

check-browser: $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) browser

# The same suites against programs built with the sanitizers; any report
# aborts the program, so it fails the test that ran it.
sanitize:
	$(MAKE) SAN=1 BUILD=build/san BIN=build/san/bin build/san/.deps-ok
	$(MAKE) SAN=1 BUILD=build/san BIN=build/san/bin \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 check-units check-integration

# ---- fuzzing: clang's libFuzzer over every codec ----
FUZZ_BUILD   = build/fuzz
FUZZ_CFLAGS  = $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -Isrc
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))

# fuzz_pcap runs pushviz's engine too: viz/ without main and the UI, and libpcap.
FUZZ_VIZ = $(filter-out viz/pushviz.c viz/ui/%,$(wildcard viz/*.c viz/*/*.c))
$(FUZZ_BUILD)/fuzz_pcap: FUZZ_EXTRA = -Iviz $(FUZZ_VIZ) $(LIBPCAP)
$(FUZZ_BUILD)/fuzz_pcap: $(FUZZ_VIZ) $(wildcard viz/*.h viz/*/*.h)

# fuzz_filter: the display filter over items.
$(FUZZ_BUILD)/fuzz_filter: FUZZ_EXTRA = -Iviz viz/filter/filter.c viz/items/item.c
$(FUZZ_BUILD)/fuzz_filter: viz/filter/filter.c viz/filter/filter.h viz/items/item.c

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(PROTO_SRC) $(wildcard src/proto/*.h) | $(DEPS_OK)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRC) $(FUZZ_EXTRA)

fuzz: $(FUZZ_TARGETS)
	sh tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- the rest ----
demo: all
	sh viz/demo.sh

captures: all
	sh captures/record.sh

bench: all
	sh bench/run

clean:
	rm -rf build bin

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
