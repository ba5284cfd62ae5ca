# Makefile -- builds every pushlab program into bin/, objects into build/.
#
#   make            build everything (installs missing libraries first)
#   make check      build with AddressSanitizer + UBSan and run every test
#                   (unit, integration, torture, pushviz, labs, browser)
#   make check-all  the same tests against the optimised build in bin/
#                   (or the one BUILD and BIN name, as check-units and the others)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 30)
#   make demo       pushviz on a bundled capture, or live with all servers
#   make captures   re-record captures/*.pcap
#   make demo-wan   the seven servers behind an 80 ms RTT, 1 % loss link (root)
#   make captures-wan  re-record captures/wan/*.pcap through that link (root)
#   make captures-thirdparty  re-record captures/thirdparty/ (third-party stacks, chromium, node http + zlib, TLS, HTTP/2)
#   make bench      benchmarks against peers (tshark, node ws, ...)
#   make deps       install what is missing (apt-get, npm)
#   make install    programs, man pages, labs, captures into DESTDIR/PREFIX
#   make uninstall  remove what make install put there
#   make deb        a Debian package: build/deb/pushlab_VERSION_ARCH.deb
#   make check-fresh  the README's two commands in a clean Debian 12 root
#   make clean
#   (PGO= with any of these: pushviz without its profile-guided build,
#   quicker while editing it; see "pushviz, optimised" below)
#
# Sources are found by wildcard, so adding a file needs no edit here:
#   src/proto, src/net, src/lab  -> one static library each (libproto needs zlib)
#   src/servers/NAME.c           -> bin/pushlab-NAME
#   src/client/*.c               -> bin/pushlab-client
#   src/wan/*.c                  -> bin/pushlab-wan (with libnet's timer heap)
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
# Link-time optimisation: the compiler sees all of a program's files at
# once, so it can inline a call into another file -- pushviz adds an
# item's fields in items/ and writes them in output/, once per field per
# packet -- and a replay runs about 8 % faster (docs/performance.md).  Not
# in the sanitizer build, where speed does not count and LTO only makes
# building slower.  (LTO= builds without it.)  With LTO the machine code
# is made when linking, so LDFLAGS carries OPT as well.
LTO      = $(if $(SAN),,-flto=auto)
OPT      = -O2 -g $(LTO)
# (Named first: a comma written inside $(if ...) would split its arguments.)
SAN_ON   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS = $(if $(SAN),$(SAN_ON))
# Recursively expanded on purpose: pkg-config runs when a recipe needs the
# flags, which is after the deps step has installed the libraries.
PKG_CFLAGS = $(shell pkg-config --cflags libpcap ncursesw check zlib)
CFLAGS   = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -Isrc -Iviz -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS  = $(OPT) $(SANFLAGS)
LIBPCAP  = $(shell pkg-config --libs libpcap)
LIBCURSES= $(shell pkg-config --libs ncursesw)
LIBCHECK = $(shell pkg-config --libs check)
# zlib: permessage-deflate (src/proto/ws_deflate.c), so everything that links libproto.
LIBZ     = $(shell pkg-config --libs zlib)

PROTO_SRC  = $(wildcard src/proto/*.c)
NET_SRC    = $(wildcard src/net/*.c)
LAB_SRC    = $(wildcard src/lab/*.c)
SERVER_SRC = $(wildcard src/servers/*.c)
CLIENT_SRC = $(wildcard src/client/*.c)
WAN_SRC    = $(wildcard src/wan/*.c)
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
WAN      = $(if $(WAN_SRC),$(BIN)/pushlab-wan)
PROGRAMS = $(SERVERS) $(CLIENT) $(PUSHVIZ) $(WAN)
UNITS    = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: FORCE all check check-programs check-all check-units check-integration check-torture check-viz check-labs check-browser fuzz demo \
        captures captures-thirdparty bench deps install uninstall deb check-fresh clean demo-wan captures-wan
.DEFAULT_GOAL := all
# Keep the objects of test programs (make would delete them as intermediates).
.SECONDARY:

all: $(PROGRAMS)

# ---- dependencies: install what is missing, before anything is built ----
# Every object waits for this step (order-only); .ci/deps is quick when all
# is installed.  A build needs the libraries; the targets that run tests,
# the demo or benchmarks need the whole set (tshark, chromium, npm ...).
DEPS_SET = $(if $(filter deps check check-all check-integration check-viz check-labs check-browser fuzz demo demo-wan captures captures-wan captures-thirdparty bench,$(MAKECMDGOALS)),all,libs)

deps:
	@sh .ci/deps $(DEPS_SET)

# ---- compiling ----
# Every object depends on the compiler and flags it was made with, kept in
# $(BUILD)/flags and rewritten only when they change: a build with other
# flags (CC=clang, LTO=, a pulled change of OPT) then remakes every object,
# instead of linking old objects with new ones.
$(BUILD)/flags: FORCE | deps
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) PGO=$(PGO)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) PGO=$(PGO)' > $@

FORCE:

$(BUILD)/obj/%.o: %.c $(BUILD)/flags | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_FILES) src/web/embed.sh
	@mkdir -p $(@D)
	sh src/web/embed.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(WEB_OBJ): $(BUILD)/gen/web_assets.c $(BUILD)/flags | deps
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
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBZ) -lm

$(BIN)/pushlab-client: $(call obj,$(CLIENT_SRC)) $(LIBNET) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBZ) -lm

$(BIN)/pushlab-wan: $(call obj,$(WAN_SRC)) $(LIBNET)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

# ---- pushviz, optimised with a profile of its own runs ----
# A replay is one loop run a million times, and which way each branch in
# it goes is much the same from packet to packet.  gcc can lay the code
# out for the way taken, and inline where a call is hot, if it is told
# what a run does (profile-guided optimisation): the push capture of
# `make bench` then takes 0.33 s instead of 0.37 (docs/performance.md).
# In $(BUILD)/pgo:
#   train/   pushviz's sources built with -fprofile-generate and linked as
#            pushviz-train, which counts every branch taken while it reads
#            the bundled captures (real traffic of every technique, ours
#            and third-party stacks') in each output mode;
#   counts/  what it counted, a file per source named after the source
#            (-dumpbase), not after the object: the two builds' objects
#            have different names, and gcc finds a file's counts, and tells
#            its static functions from another file's, by that name;
#   use/     the same sources built again with -fprofile-use and the
#            counts.  Code the training never ran (the screen, live
#            capture's own calls) is compiled for size, as gcc does with
#            code it sees is cold: it runs a few times a second, not a
#            million times.  bin/pushviz is linked from these objects.
# Only pushviz: the servers share src/proto, and a profile of pushviz
# would call their half of it cold.  Off (one build of pushviz, from
# $(BUILD)/obj as the other programs) with PGO= -- quicker while editing
# pushviz, since any change to its sources re-runs the training -- under
# the sanitizers, and with a compiler other than gcc.
PGO ?= $(if $(SAN),,$(if $(findstring Free Software Foundation,$(shell $(CC) --version 2>/dev/null)),yes))
PGO_DIR      = $(BUILD)/pgo
PUSHVIZ_SRC  = viz/pushviz.c $(VIZ_SRC) $(PROTO_SRC)
PGO_CAPTURES = $(sort $(wildcard captures/*.pcap captures/*/*.pcap))
PGO_TRAIN    = $(patsubst %.c,$(PGO_DIR)/train/%.o,$(PUSHVIZ_SRC))
PGO_USE      = $(patsubst %.c,$(PGO_DIR)/use/%.o,$(PUSHVIZ_SRC))
pgo_counts   = -dumpdir $(PGO_DIR)/counts/ -dumpbase $(subst /,-,$(1))
# (-Wno-missing-profile: a source that holds only data has no counts.)
PGO_USE_FLAGS= -fprofile-use -Wno-missing-profile
VIZ_LIBS     = $(LIBPCAP) $(LIBCURSES) $(LIBZ) -lm

$(PGO_DIR)/train/%.o: %.c $(BUILD)/flags | deps
	@mkdir -p $(@D) $(PGO_DIR)/counts
	$(CC) $(CFLAGS) -fprofile-generate -fprofile-update=single $(call pgo_counts,$<) -c $< -o $@

$(PGO_DIR)/pushviz-train: $(PGO_TRAIN)
	$(CC) $(LDFLAGS) -fprofile-generate -o $@ $^ $(VIZ_LIBS)

# -Z: a root training run (CI, a package build) must stay root to write
# its counts.
$(PGO_DIR)/profile: $(PGO_DIR)/pushviz-train $(PGO_CAPTURES)
	rm -f $(PGO_DIR)/counts/*.gcda
	@echo "pushviz-train: reading $(words $(PGO_CAPTURES)) captures (--json, --dump, --stats)"
	@for f in $(PGO_CAPTURES); do \
		for mode in --json --dump --stats; do \
			$< -Z "$$(id -un)" -r "$$f" $$mode > /dev/null || exit 1; \
		done; \
	done
	touch $@

$(PGO_DIR)/use/%.o: %.c $(PGO_DIR)/profile $(BUILD)/flags | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PGO_USE_FLAGS) $(call pgo_counts,$<) -c $< -o $@

ifeq ($(PGO),yes)
$(BIN)/pushviz: $(PGO_USE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(PGO_USE_FLAGS) -o $@ $^ $(VIZ_LIBS)
else
$(BIN)/pushviz: $(BUILD)/obj/viz/pushviz.o $(LIBVIZ) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(VIZ_LIBS)
endif

# ---- tests ----
$(BUILD)/tests/check_%: $(BUILD)/obj/tests/unit/check_%.o $(if $(VIZ_SRC),$(LIBVIZ)) \
		$(if $(CLIENT_SRC),$(LIBCLIENT)) $(LIBLAB) $(LIBNET) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBCHECK) $(LIBPCAP) $(LIBCURSES) $(LIBZ) -lm

# pushlab-wan's pure parts (and its tap and control socket, fed by local
# sockets) are not a library of their own: its test links them (and the
# heap under the queue: objects after the libraries on the line).
$(BUILD)/tests/check_wan: $(call obj,src/wan/queue.c src/wan/settings.c src/wan/tap.c src/wan/control.c src/net/heap.c)

# make check runs every suite once, against programs built with the
# sanitizers (build/san/bin): any report aborts the program, so it fails
# the test that ran it.  The optimised build in bin/ is what make deb
# packages (and tests with the unit tests) and make bench measures; make
# check-all runs every suite against it.  tests/run prints one line per
# suite and a closing "N passed, N failed".
SANITIZED = SAN=1 BUILD=build/san BIN=build/san/bin \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The build runs on every processor, each target's lines kept together
# (its objects wait for deps, the order-only prerequisite of
# $(BUILD)/flags); the suites then run one at a time, in a make of their
# own, so no test's make inherits -j.
check: deps
	$(MAKE) $(SANITIZED) -j$(shell nproc) --output-sync=target check-programs
	$(MAKE) $(SANITIZED) check-all

check-programs: deps $(PROGRAMS) $(UNITS)

check-all: deps $(PROGRAMS) $(UNITS)
	sh tests/run --build $(BUILD) --bin $(BIN) all

check-units: $(UNITS)
	sh tests/run --build $(BUILD) --bin $(BIN) units

check-integration: deps $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) integration

check-torture: deps $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) torture

check-viz: deps $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) viz

check-labs: deps $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) labs

check-browser: deps $(PROGRAMS)
	sh tests/run --build $(BUILD) --bin $(BIN) browser

# ---- fuzzing: clang's libFuzzer over every codec ----
FUZZ_BUILD   = build/fuzz
FUZZ_CFLAGS  = $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -Isrc
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))

# fuzz_pcap runs pushviz's engine too: viz/ without main and the UI, and libpcap.
FUZZ_VIZ = $(filter-out viz/pushviz.c viz/ui/%,$(wildcard viz/*.c viz/*/*.c))
$(FUZZ_BUILD)/fuzz_pcap: FUZZ_EXTRA = -Iviz $(FUZZ_VIZ) $(LIBPCAP)
$(FUZZ_BUILD)/fuzz_pcap: $(FUZZ_VIZ) $(wildcard viz/*.h viz/*/*.h)

# fuzz_filter: the display filter over items.
$(FUZZ_BUILD)/fuzz_filter: FUZZ_EXTRA = -Iviz viz/filter/filter.c viz/filter/regex_cost.c viz/items/item.c
$(FUZZ_BUILD)/fuzz_filter: viz/filter/filter.c viz/filter/filter.h viz/filter/regex_cost.c viz/items/item.c

# fuzz_gzfile: the inflating FILE a capture.pcap.gz is read through.
$(FUZZ_BUILD)/fuzz_gzfile: FUZZ_EXTRA = -Iviz viz/capture/gzfile.c
$(FUZZ_BUILD)/fuzz_gzfile: viz/capture/gzfile.c viz/capture/gzfile.h

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_check.h $(PROTO_SRC) $(wildcard src/proto/*.h) | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRC) $(FUZZ_EXTRA) $(LIBZ)

fuzz: $(FUZZ_TARGETS)
	sh tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- installing: make install PREFIX=/usr DESTDIR=/tmp/root ----
# Every program the build makes (by variable, so new ones come along), its
# man page, and under share/pushlab the labs with their checker and the
# captures they read (labs/check finds them beside itself).  The demo pages
# are built into the servers, so nothing else is needed at run time.
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(DESTDIR)$(PREFIX)/bin
MAN1DIR   = $(DESTDIR)$(PREFIX)/share/man/man1
DATADIR   = $(DESTDIR)$(PREFIX)/share/pushlab
DOCDIR    = $(DESTDIR)$(PREFIX)/share/doc/pushlab
MAN_PAGES = $(wildcard docs/man/*.1)
# Sources of the labs, not what running them leaves behind.
LAB_FILES = $(shell find labs -type f ! -name '*.pyc' ! -path '*/__pycache__/*' | sort)
CAPTURE_FILES = $(wildcard captures/*.pcap captures/*.pcapng) captures/README.md
DOC_FILES = README.md $(wildcard docs/*.md docs/techniques/*.md)

install: all
	install -d $(BINDIR) $(MAN1DIR)
	install -m 755 $(PROGRAMS) $(BINDIR)
	install -m 644 $(MAN_PAGES) $(MAN1DIR)
	for f in $(LAB_FILES) $(CAPTURE_FILES); do \
		if [ -x "$$f" ]; then m=755; else m=644; fi; \
		install -D -m $$m "$$f" "$(DATADIR)/$$f" || exit 1; \
	done
	for f in $(DOC_FILES); do install -D -m 644 "$$f" "$(DOCDIR)/$$f" || exit 1; done

uninstall:
	rm -f $(addprefix $(BINDIR)/,$(notdir $(PROGRAMS))) $(addprefix $(MAN1DIR)/,$(notdir $(MAN_PAGES)))
	rm -rf $(DATADIR) $(DOCDIR)

# ---- packaging: debian/ with debhelper; the .deb is copied to build/deb/ ----
# dpkg-buildpackage writes beside the source tree, so it builds a clean copy
# (no build/, bin/ or node_modules) in build/deb/src.
DEB_DIR = $(BUILD)/deb
deb:
	sh .ci/deps deb
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src/pushlab
	tar -cf - --exclude=./build --exclude=./bin --exclude=node_modules --exclude=./.git . \
		| tar -C $(DEB_DIR)/src/pushlab -xf -
	cd $(DEB_DIR)/src/pushlab && dpkg-buildpackage -b -us -uc
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/src/*.changes $(DEB_DIR)/
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error $(DEB_DIR)/pushlab_*.changes
	@ls $(DEB_DIR)/*.deb

# ---- the README's two commands in a clean Debian 12 root (slow; as root) ----
check-fresh:
	sh .ci/check-fresh

# ---- the rest ----
demo: deps all
	sh viz/demo.sh

captures: deps all
	sh captures/record.sh

demo-wan: deps all
	sh src/wan/demo.sh

captures-wan: deps all
	sh captures/wan/record.sh

# Not part of make check, which tests the committed captures: recording
# needs root, chromium and a few seconds per scenario.
captures-thirdparty: deps
	sh tests/thirdparty/record.sh
	sh tests/thirdparty/record_coding.sh
	sh tests/thirdparty/record_tls.sh
	sh tests/thirdparty/record_h2.sh

bench: deps all
	sh bench/run

clean:
	rm -rf build bin

-include $(shell find $(BUILD)/obj $(BUILD)/pgo -name '*.d' 2>/dev/null)
