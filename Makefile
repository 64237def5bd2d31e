# flowsteer build. `make` builds build/bin/flowsteerd (installing what is
# missing on first use), `make check` runs every test, `make demo` shows it.
.DEFAULT_GOAL := all
SHELL := /bin/bash

# BUILD holds objects and binaries; libopenvswitch and the dependency stamp
# stay in build/ whatever BUILD is, so several object trees share them.
BUILD    ?= build
OVS_BUILD := build/ovs
OVS_DIR  := $(OVS_BUILD)/src
OVS_LIB  := $(OVS_DIR)/lib/.libs/libopenvswitch.a
DEPS_OK  := build/.deps-installed

# The fuzzers' compiler, libFuzzer runtime and symbolizer (also installed on
# their own by `make fuzz` on a machine set up before they existed).
FUZZ_PKGS := clang-14 libclang-rt-14-dev llvm-14
FUZZ_DEPS_OK := build/.fuzz-deps-installed

# Debian packages the build, the tests and the demo use.
APT_PKGS := etcd-server etcd-client openvswitch-switch openvswitch-source \
	openvswitch-testcontroller libcurl4-openssl-dev libjansson-dev libev-dev \
	libyaml-dev libcmocka-dev libssl-dev libcap-ng-dev pkg-config autoconf \
	automake libtool python3 iproute2 tcpdump iputils-ping netcat-openbsd \
	procps clang-format ethtool socat openssl libmicrohttpd-dev udhcpc \
	libsystemd-dev $(FUZZ_PKGS)

CC       ?= gcc
# OVS headers use typeof (ARRAY_SIZE, CONTAINER_OF...): strict C11 spells it
# __typeof__.
CSTD     := -std=c11 -D_GNU_SOURCE -Dtypeof=__typeof__
# -Wno-sign-compare: OVS headers (vlog.h) compare enums with ints; OVS
# builds itself with it too.
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wmissing-prototypes
INCLUDES := -I. -include $(OVS_DIR)/config.h -I$(OVS_DIR)/include \
	-I$(OVS_DIR)/lib -I$(OVS_DIR)
CFLAGS   ?= -g -O2
ALL_CFLAGS = $(CSTD) $(WARN) $(INCLUDES) $(CFLAGS) -MMD -MP
LIBS     := $(OVS_LIB) -lcurl -ljansson -lev -lyaml -lssl -lcrypto -lcap-ng \
	-lmicrohttpd -lsystemd -latomic -lm -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# Layers, one static archive each, lowest first: store/ (etcd) and model/
# (documents) stand alone, render/ reads model/, reconciler/proc/ (config,
# log, metrics, HTTP, sd_notify), reconciler/ovs/ (the OVS thread),
# reconciler/daemon/ (the main loop, status, liveness, allocations) and
# ctl/ (flowsteerctl) sit on top.  A program links the layers it needs,
# highest first; a unit test only those its LAYERS_<test> names (all by
# default), so a lower layer that reaches up fails to link.
LAYERS      := ctl daemon ovs proc render model store
SRCS_store  := $(wildcard store/*.c)
SRCS_model  := $(wildcard model/*.c)
SRCS_render := $(wildcard render/*.c)
SRCS_proc   := $(wildcard reconciler/proc/*.c)
SRCS_ovs    := $(wildcard reconciler/ovs/*.c)
SRCS_daemon := $(filter-out reconciler/daemon/main.c, \
	$(wildcard reconciler/daemon/*.c))
SRCS_ctl    := $(filter-out ctl/main.c, $(wildcard ctl/*.c))
# lib(BUILD-SUBDIR, LAYERS): the archives of LAYERS in link order.
lib = $(foreach l,$(filter $(2),$(LAYERS)),$(1)/lib/libfs_$(l).a)
DAEMON_LAYERS := daemon ovs proc render model store
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
LAYERS_MODEL  := model
LAYERS_RENDER := render model
$(foreach t,test_errors test_model test_model_provider test_model_routers \
	test_model_rules test_model_slices test_model_vnis test_model_yaml,\
	$(eval LAYERS_$(t) := $(LAYERS_MODEL)))
$(foreach t,test_flow test_pipeline test_render test_render_engine \
	test_render_fixtures test_render_overlay test_render_provider \
	test_render_slices test_render_router test_model_incremental,\
	$(eval LAYERS_$(t) := $(LAYERS_RENDER)))
$(foreach t,test_etcd_proto test_etcd_live,$(eval LAYERS_$(t) := store))
layers_of = $(or $(LAYERS_$(1)),$(LAYERS))
ALL_C    := $(shell find store model render reconciler ctl tests bench tools \
	-name '*.[ch]' 2>/dev/null)

# Two flavours of the same objects: plain, and ASan+UBSan.
OBJ      := $(BUILD)/obj
ASAN_OBJ := $(BUILD)/asan
objs = $(patsubst %.c,$(1)/%.o,$(2))

.PHONY: all deps ovs check unit integration asan-unit asan-integration \
	demo demo-sfc demo-provider demo-overlay demo-slices demo-router format format-check bench clean distclean \
	fuzz fuzz-build fuzz-smoke install uninstall

all: $(BUILD)/bin/flowsteerd $(BUILD)/bin/flowsteerctl

deps: $(DEPS_OK) $(OVS_LIB)

# The stamp holds the package list it was made for: a change of APT_PKGS
# (a new dependency) makes it again, so a machine set up before gets the
# new packages on its next build.
DEPS_STALE := $(if $(filter-out $(APT_PKGS),$(shell cat $(DEPS_OK) \
	2>/dev/null))$(filter-out $(shell cat $(DEPS_OK) 2>/dev/null),$(APT_PKGS)),FORCE)
$(DEPS_OK): $(DEPS_STALE)
	@tools/install-deps.sh $(APT_PKGS)
	@mkdir -p $(dir $@) && echo $(APT_PKGS) >$@

.PHONY: FORCE
FORCE:

ovs $(OVS_LIB): | $(DEPS_OK)
	@tools/build-libopenvswitch.sh $(OVS_BUILD)

$(OBJ)/%.o: %.c | $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The debug checks of the sanitizer and fuzzer builds: every rendered flow
# against its table's declaration (render/pipeline.h).
DEBUG_DEFS := -DFS_CHECK_PIPELINE

$(ASAN_OBJ)/%.o: %.c | $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) $(DEBUG_DEFS) -c $< -o $@

# The layer archives, plain ($(BUILD)/lib) and sanitized ($(BUILD)/asan/lib).
define layer_archive
$(BUILD)/lib/libfs_$(1).a: $$(call objs,$(OBJ),$$(SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/asan/lib/libfs_$(1).a: $$(call objs,$(ASAN_OBJ),$$(SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l))))

$(BUILD)/bin/flowsteerd: $(OBJ)/reconciler/daemon/main.o $(call lib,$(BUILD),$(DAEMON_LAYERS)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter %.o %.a,$^) $(LIBS) -o $@

$(BUILD)/asan/bin/flowsteerd: $(ASAN_OBJ)/reconciler/daemon/main.o $(call lib,$(BUILD)/asan,$(DAEMON_LAYERS)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(filter %.o %.a,$^) $(LIBS) -o $@

$(BUILD)/bin/flowsteerctl: $(OBJ)/ctl/main.o $(call lib,$(BUILD),$(LAYERS)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter %.o %.a,$^) $(LIBS) -o $@

$(BUILD)/asan/bin/flowsteerctl: $(ASAN_OBJ)/ctl/main.o $(call lib,$(BUILD)/asan,$(LAYERS)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(filter %.o %.a,$^) $(LIBS) -o $@

UNIT_BINS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

.SECONDEXPANSION:
$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $$(call lib,$(BUILD),$$(call layers_of,$$*)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter %.o %.a,$^) $(LIBS) -lcmocka -o $@

$(BUILD)/asan/tests/%: $(ASAN_OBJ)/tests/unit/%.o $$(call lib,$(BUILD)/asan,$$(call layers_of,$$*)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(filter %.o %.a,$^) $(LIBS) -lcmocka -o $@

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

integration: $(BUILD)/bin/flowsteerd $(BUILD)/bin/flowsteerctl
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) \
		FLOWSTEERCTL=$(abspath $(BUILD)/bin/flowsteerctl) tests/run-integration.sh

asan-unit: $(ASAN_UNIT_BINS)
	@ASAN_OPTIONS=detect_leaks=1 tests/run-unit.sh $(ASAN_UNIT_BINS)

# Under ASan, the suites whose daemon code paths other ASan suites and the
# unit tests already cover run plain only, to keep `make check` under 15
# minutes on a 2-core machine: test_flood_scale (its time is ovs-vswitchd
# adding 4,000 ports; refusals and chunks are in test_flowtable and
# test_render_flood), test_overlay (three chassis, 70 s; its daemon code
# is the render, in test_render_overlay and test_render_engine, and the
# liveness and chassis documents, in test_liveness), test_provider (90 s;
# rows in test_rows_live, the render in test_render_provider), test_fault_held
# (55 s; etcd outages in test_etcd_cluster and test_fault_status, garbage
# values in the fuzzers) and test_fault_keys (keys in fuzz_keys and
# test_keys); test_install runs no daemon code (make install of the plain
# binaries).
ASAN_INTEGRATION_SKIP := test_flood_scale.sh test_overlay.sh \
	test_provider.sh test_fault_held.sh test_fault_keys.sh test_install.sh
asan-integration: $(BUILD)/asan/bin/flowsteerd $(BUILD)/asan/bin/flowsteerctl
	@FLOWSTEERD=$(abspath $(BUILD)/asan/bin/flowsteerd) \
		FLOWSTEERCTL=$(abspath $(BUILD)/asan/bin/flowsteerctl) \
		INTEGRATION_SKIP="$(ASAN_INTEGRATION_SKIP)" tests/run-integration.sh

check: deps format-check
	@$(MAKE) --no-print-directory unit asan-unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory integration asan-integration
	@echo "make check: all test suites passed"

# make demo (as root): five acts, each in a sandbox of its own torn down at
# its end, with real traffic: the networking-sfc chain (demo-sfc),
# provider VLAN and flat networks (demo-provider), three chassis with
# VXLAN/Geneve overlays and a VTEP (demo-overlay), FlowVisor slices with
# real OpenFlow controllers (demo-slices), and a distributed router
# between two subnets on three chassis (demo-router).
demo: deps $(BUILD)/bin/flowsteerd $(BUILD)/bin/flowsteerctl
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/sfc/demo.sh
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/provider/demo.sh
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/overlay/demo.sh
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/slices/demo.sh
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) FLOWSTEERCTL=$(abspath $(BUILD)/bin/flowsteerctl) \
		examples/router/demo.sh

demo-sfc: deps $(BUILD)/bin/flowsteerd
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/sfc/demo.sh

demo-provider: deps $(BUILD)/bin/flowsteerd
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/provider/demo.sh

demo-overlay: deps $(BUILD)/bin/flowsteerd
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/overlay/demo.sh

demo-slices: deps $(BUILD)/bin/flowsteerd
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) examples/slices/demo.sh

demo-router: deps $(BUILD)/bin/flowsteerd $(BUILD)/bin/flowsteerctl
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) FLOWSTEERCTL=$(abspath $(BUILD)/bin/flowsteerctl) \
		examples/router/demo.sh

# make bench: flowsteerd at scale beside ovs-ofctl on the same flows
# (bench/run.sh; needs root, starts a private etcd and OVS), appended to
# bench/RESULTS.md.  With the daemon before the incremental engine and
# BENCH_CHANGES=10: the example and fan-out sections about 1 min together,
# 10k flows 20-30 s, 100k 70 s, 300k 4 min; each further change adds about
# 1.5 s at 100k and 6 s at 300k; BENCH_PORTS: VIFs of the port-heavy
# world (bench/scale.py gen-ports); BENCH_ROUTER: subnets of the router
# world (bench/scale.py gen-router).  Also BENCH_REF_CHANGES,
# BENCH_EXAMPLE_ROUNDS, BENCH_FANOUT, BENCH_LABEL (see bench/run.sh).
BENCH_SCALES  ?= 10000 100000 300000
BENCH_PORTS   ?= 2000
BENCH_ROUTER  ?= 100
BENCH_CHANGES ?= 50
bench: deps $(BUILD)/bin/flowsteerd
	@FLOWSTEERD=$(abspath $(BUILD)/bin/flowsteerd) \
		BENCH_SCALES="$(BENCH_SCALES)" BENCH_PORTS="$(BENCH_PORTS)" \
		BENCH_ROUTER="$(BENCH_ROUTER)" BENCH_CHANGES="$(BENCH_CHANGES)" \
		BENCH_RESULTS=bench/RESULTS.md bench/run.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang: the project's
# parsing code (model/, render/, store/proto.c) instrumented with
# -fsanitize=fuzzer-no-link, ASan and UBSan, linked against the gcc-built
# libopenvswitch.a (not instrumented: OVS's own code is not fuzzed, only
# called).  `make fuzz` runs each target FUZZ_SECONDS on its corpus
# (new inputs go to build/fuzz/corpus/<target>, tests/fuzz/corpus/<target>
# is the read-only seed corpus); `make fuzz-smoke` runs each
# FUZZ_SMOKE_SECONDS from the seeds alone and is part of `make check`.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
FUZZ_CFLAGS  = $(CSTD) $(WARN) $(INCLUDES) -g -O1 $(FUZZ_SAN) $(DEBUG_DEFS) \
	-MMD -MP
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_LIB_SRCS := $(wildcard model/*.c render/*.c) store/proto.c \
	reconciler/ovs/dhcp_reply.c reconciler/ovs/icmp_reply.c

$(FUZZ_DEPS_OK):
	@tools/install-deps.sh $(FUZZ_PKGS)
	@mkdir -p $(dir $@) && touch $@

$(FUZZ_DIR)/obj/%.o: %.c | $(OVS_LIB) $(FUZZ_DEPS_OK)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o \
		$(call objs,$(FUZZ_DIR)/obj,$(FUZZ_LIB_SRCS)) $(OVS_LIB)
	$(FUZZ_CC) -g $(FUZZ_SAN) -fsanitize=fuzzer $(filter %.o,$^) $(LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# One target at a time: each fuzzer is one process on one core.
fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_DIR)/corpus \
		$(FUZZ_DIR)/artifacts $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	@FUZZ_FRESH=1 tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_DIR)/smoke \
		$(FUZZ_DIR)/artifacts $(FUZZ_BINS)

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSTEMDUNITDIR=...]
# [SYSCONFDIR=/etc]: the two binaries into $(PREFIX)/bin, the systemd unit
# (its ExecStart and Documentation pointed at $(PREFIX)) into
# SYSTEMDUNITDIR (systemd's own, from pkg-config), the commented config
# into $(SYSCONFDIR)/flowsteer/flowsteerd.conf unless one is there (then
# as flowsteerd.conf.dist beside it), the bash completion and the docs.
# `make uninstall` removes what install put, but a config that was edited.
PREFIX         ?= /usr/local
SYSCONFDIR     ?= /etc
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir \
	systemd 2>/dev/null),/lib/systemd/system)
BINDIR         := $(PREFIX)/bin
BASHCOMPDIR    := $(PREFIX)/share/bash-completion/completions
DOCDIR         := $(PREFIX)/share/doc/flowsteer
CONFDIR        := $(SYSCONFDIR)/flowsteer
INSTALL        ?= install

$(BUILD)/flowsteerd.service: examples/systemd/flowsteerd.service FORCE
	@mkdir -p $(dir $@)
	sed -e 's|/usr/local/bin/flowsteerd|$(BINDIR)/flowsteerd|' \
		-e 's|/usr/local/share/doc/flowsteer/|$(DOCDIR)/|' \
		-e 's|/etc/flowsteer/flowsteerd.conf|$(CONFDIR)/flowsteerd.conf|' $< >$@

install: all $(BUILD)/flowsteerd.service
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -d -m 755 $(DESTDIR)$(CONFDIR)
	$(INSTALL) -m 755 $(BUILD)/bin/flowsteerd $(BUILD)/bin/flowsteerctl \
		$(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(BUILD)/flowsteerd.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	$(INSTALL) -m 644 examples/bash_completion/flowsteerctl \
		$(DESTDIR)$(BASHCOMPDIR)/flowsteerctl
	$(INSTALL) -m 644 README.md docs/architecture.md $(DESTDIR)$(DOCDIR)/
	@if [ -e $(DESTDIR)$(CONFDIR)/flowsteerd.conf ]; then \
		echo "$(DESTDIR)$(CONFDIR)/flowsteerd.conf exists: kept;" \
			"the shipped one is flowsteerd.conf.dist beside it"; \
		$(INSTALL) -m 600 examples/systemd/flowsteerd.conf \
			$(DESTDIR)$(CONFDIR)/flowsteerd.conf.dist; \
	else \
		echo "$(INSTALL) -m 600 examples/systemd/flowsteerd.conf" \
			"$(DESTDIR)$(CONFDIR)/flowsteerd.conf"; \
		$(INSTALL) -m 600 examples/systemd/flowsteerd.conf \
			$(DESTDIR)$(CONFDIR)/flowsteerd.conf; \
	fi
	@echo "installed; then: systemctl daemon-reload && systemctl enable --now flowsteerd"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/flowsteerd $(DESTDIR)$(BINDIR)/flowsteerctl \
		$(DESTDIR)$(SYSTEMDUNITDIR)/flowsteerd.service \
		$(DESTDIR)$(BASHCOMPDIR)/flowsteerctl \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/architecture.md \
		$(DESTDIR)$(CONFDIR)/flowsteerd.conf.dist
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	@conf=$(DESTDIR)$(CONFDIR)/flowsteerd.conf; \
	if [ -e $$conf ] && cmp -s $$conf examples/systemd/flowsteerd.conf; then \
		rm -f $$conf && rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null; \
	elif [ -e $$conf ]; then \
		echo "$$conf was edited: kept"; \
	fi; true

format:
	clang-format -i $(ALL_C)

format-check:
	@clang-format --dry-run --Werror $(ALL_C) && echo "format: ok"

clean:
	rm -rf $(OBJ) $(ASAN_OBJ) $(BUILD)/bin $(BUILD)/tests $(FUZZ_DIR)/obj \
		$(FUZZ_BINS)

distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/asan $(BUILD)/fuzz/obj \
	-name '*.d' 2>/dev/null)
.SECONDARY:

# bench/snapbench.c: the main thread's cost of one classifier change in a
# world of bench/scale.py gen (snapshot + one engine run), no etcd or OVS:
#   make snapbench && build/bin/fs-snapbench [-i] [-n 30] DIR
.PHONY: snapbench
snapbench: $(BUILD)/bin/fs-snapbench
$(BUILD)/bin/fs-snapbench: $(OBJ)/bench/snapbench.o $(call lib,$(BUILD),$(DAEMON_LAYERS)) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter %.o %.a,$^) $(LIBS) -o $@
