# schedlab: one non-recursive Makefile for the library, the command line, tests and benchmarks.
#
#   make                 build build/libschedlab.a and build/schedlab
#   make test            install missing packages, build, run every test layer, print a summary
#   make bench           run the benchmarks (numbers, never pass/fail)
#   make demo            the main job: compare strategies, write SQLite and plots
#
# Switches: DEBUG=1 (-O0, asserts), SAN=address|thread|undefined, ARCH=native|aarch64.
# Each switch combination builds into its own folder under BUILD_ROOT (default build/), so they
# never mix objects; parallel work trees of one checkout can use BUILD_ROOT=build/NAME.

ARCH  ?= native
BUILD_ROOT ?= build
SAN   ?=
DEBUG ?=
WERROR ?= 1

ifeq ($(ARCH),aarch64)
  CC      := aarch64-linux-gnu-gcc
  # AARCH64_ATOMICS=llsc|lse picks the deque assembly variant (see the aarch64 block below).
  AARCH64_ATOMICS ?= llsc
  BUILD   := $(BUILD_ROOT)/aarch64$(if $(filter lse,$(AARCH64_ATOMICS)),-lse)
else ifeq ($(ARCH),native)
  ifeq ($(origin CC),default)
    CC    := gcc
  endif
  BUILD   := $(BUILD_ROOT)
else
  $(error ARCH must be native or aarch64, not '$(ARCH)')
endif
ifneq ($(SAN),)
  BUILD := $(BUILD)/san-$(SAN)
endif
ifneq ($(DEBUG),)
  BUILD := $(BUILD)/debug
endif

# Named warning lists: what each group catches is in its name.
WARN_BASE     := -Wall -Wextra -Wpedantic
WARN_SHADOW   := -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings
WARN_PROTO    := -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
WARN_FORMAT   := -Wformat=2 -Wformat-truncation=1
WARN_SAFETY   := -Wvla -Wundef -Wnull-dereference -Wdouble-promotion
WARNINGS      := $(WARN_BASE) $(WARN_SHADOW) $(WARN_PROTO) $(WARN_FORMAT) $(WARN_SAFETY)
ifeq ($(WERROR),1)
  WARNINGS    += -Werror
endif

OPT := -O2
ifneq ($(DEBUG),)
  OPT := -O0 -DWS_DEBUG=1
endif

CFLAGS_ALL := -std=c11 $(OPT) -g $(WARNINGS) -D_GNU_SOURCE -I. -MMD -MP -pthread $(CFLAGS)
LDFLAGS_ALL := -pthread $(LDFLAGS)
ifneq ($(SAN),)
  CFLAGS_ALL  += -fsanitize=$(SAN) -fno-omit-frame-pointer
  LDFLAGS_ALL += -fsanitize=$(SAN)
endif

LIBS      := -lsqlite3 -lcjson -lhwloc -lcrypto -lm
TEST_LIBS := -lcriterion

# ---- sources: core/ is libschedlab.a; sim/*/ and native/ link into schedlab and the tests ------
CORE_SRC     := $(wildcard core/*.c)
SIM_SRC      := $(filter-out sim/cli/main.c,$(wildcard sim/*/*.c sim/*/*/*.c))
UNIT_SRC     := $(wildcard tests/unit/*.c)
VALIDATE_SRC := $(wildcard tests/validate/*.c)

CORE_OBJ     := $(CORE_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ      := $(SIM_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ     := $(UNIT_SRC:%.c=$(BUILD)/%.o)
VALIDATE_BIN := $(VALIDATE_SRC:tests/validate/%.c=$(BUILD)/tests/validate/%)

LIB      := $(BUILD)/libschedlab.a
SCHEDLAB := $(BUILD)/schedlab
UNIT_BIN := $(BUILD)/tests/unit_tests

# ---- native runtime: native/*.c, and the OpenMP / oneTBB peer programs of bench forkjoin ----
# native/*.c (worker threads, futex sleeping, native processes, validation) joins SIM_OBJ, so it
# links into schedlab, the unit tests and the validate programs on every ARCH (the aarch64
# schedlab link included). The peer programs of `schedlab bench forkjoin` (tests/bench/) are
# built natively only, by tests-build: peer_gomp (OpenMP tasks, gcc's libgomp) and peer_tbb
# (oneTBB task_group; Debian libtbb-dev).
NATIVE_SRC := $(wildcard native/*.c)
SIM_OBJ    += $(NATIVE_SRC:%.c=$(BUILD)/%.o)
ifeq ($(ARCH),native)
ifeq ($(SAN),)
PEER_BIN := $(BUILD)/tests/bench/peer_gomp $(BUILD)/tests/bench/peer_tbb
PEER_CXXFLAGS := -std=c++17 $(OPT) -g -Wall -Wextra -Wpedantic $(if $(filter 1,$(WERROR)),-Werror) \
                 -I. -pthread $(CXXFLAGS)

$(BUILD)/tests/bench/peer_gomp: tests/bench/peer_gomp.c tests/bench/peer.h $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@ (OpenMP)")
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS_ALL)) -fopenmp -o $@ $< $(SIM_OBJ) $(LIB) $(LIBS)

$(BUILD)/tests/bench/peer_tbb: tests/bench/peer_tbb.cpp tests/bench/peer.h $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@ (oneTBB)")
	$(Q)$(CXX) $(PEER_CXXFLAGS) -o $@ $< $(SIM_OBJ) $(LIB) $(LIBS) -ltbb

tests-build: $(PEER_BIN)
endif
endif
# ---- end native runtime ---------------------------------------------------------------------

# ---- aarch64: the assembly deque, LL/SC or LSE, and the self-checking programs for qemu ------
# make ARCH=aarch64 [AARCH64_ATOMICS=llsc|lse]: the deque's push/take/steal come from
# core/aarch64/*.S (-DWS_DEQUE_ASM drops the C aliases; ws_deque_ref_* stay built). LL/SC targets
# ARMv8.0 into build/aarch64, LSE targets ARMv8.1 (CASAL, LDADD) into build/aarch64-lse.
# `make ARCH=aarch64 aarch64-tests` also builds the qemu test programs of
# scripts/test-aarch64.sh, linked statically so qemu-aarch64 runs them without -L; schedlab
# itself links the arm64 multiarch libraries dynamically (libcjson has no static archive).
ifeq ($(ARCH),aarch64)
  ifeq ($(AARCH64_ATOMICS),lse)
    CFLAGS_ALL += -march=armv8.1-a -DWS_AARCH64_LSE
  else ifeq ($(AARCH64_ATOMICS),llsc)
    CFLAGS_ALL += -march=armv8-a
  else
    $(error AARCH64_ATOMICS must be llsc or lse, not '$(AARCH64_ATOMICS)')
  endif
  # The dynamic programs name the arm64 multiarch loader (libc6:arm64), the glibc build of the
  # libc.so.6 they load from /lib/aarch64-linux-gnu, not /lib/ld-linux-aarch64.so.1: under
  # `qemu-aarch64 -L /usr/aarch64-linux-gnu` that path resolves to the cross toolchain's loader
  # (libc6-arm64-cross, another glibc build), and with a loader and a libc.so.6 of two builds
  # the first pthread_create loops for ever walking the loader's stack cache list.
  LDFLAGS_ALL += -Wl,--dynamic-linker=/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1
  AARCH64_ASM_OBJ  := $(patsubst %.S,$(BUILD)/%.o,$(wildcard core/aarch64/*.S))
  CORE_OBJ         += $(AARCH64_ASM_OBJ)
  AARCH64_TEST_SRC := $(wildcard tests/aarch64/*.c)
  AARCH64_TEST_BIN := $(AARCH64_TEST_SRC:tests/aarch64/%.c=$(BUILD)/tests/aarch64/%) \
                      $(BUILD)/tests/aarch64/deque_stress

$(BUILD)/core/ws_deque.o: CFLAGS_ALL += -DWS_DEQUE_ASM

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  AS    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# Self-checking programs need only the library and sim_util (clock, pinning).
$(BUILD)/tests/aarch64/%: $(BUILD)/tests/aarch64/%.o $(BUILD)/sim/util/sim_util.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@ (static)")
	$(Q)$(CC) -static $(LDFLAGS_ALL) -o $@ $^

$(BUILD)/tests/aarch64/deque_stress: $(BUILD)/tests/validate/deque_stress.o \
                                     $(BUILD)/sim/util/sim_util.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@ (static)")
	$(Q)$(CC) -static $(LDFLAGS_ALL) -o $@ $^

.PHONY: aarch64-tests
aarch64-tests: all $(AARCH64_TEST_BIN)

-include $(AARCH64_TEST_SRC:tests/aarch64/%.c=$(BUILD)/tests/aarch64/%.d)
endif
# ---- end aarch64 ---------------------------------------------------------------------------

.PHONY: all test bench demo clean setup tests-build validate-build
.DEFAULT_GOAL := all

all: $(LIB) $(SCHEDLAB)

# V=1 shows whole command lines.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	@$(if $(V),,echo "  AR    $@")
	$(Q)ar rcs $@ $^

$(SCHEDLAB): $(BUILD)/sim/cli/main.o $(SIM_OBJ) $(LIB)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(UNIT_BIN): $(UNIT_OBJ) $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(LIBS)

$(BUILD)/tests/validate/%: $(BUILD)/tests/validate/%.o $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

tests-build: all $(UNIT_BIN) $(VALIDATE_BIN)

validate-build: $(VALIDATE_BIN)

setup:
	@bash scripts/setup.sh

# make test: set-up first (a fresh machine has nothing), then every layer via the runner,
# which prints one summary line and fails if any layer failed.
test: setup
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory SAN=thread validate-build
	@$(MAKE) --no-print-directory hardening-build   # see the hardening block
	@BUILD_ROOT=$(BUILD_ROOT) bash scripts/run-tests.sh

# bench builds the peer programs of bench forkjoin too: without them it fails, naming the peer.
bench: setup
	@$(MAKE) --no-print-directory all $(PEER_BIN)
	$(SCHEDLAB) bench deque
	$(SCHEDLAB) bench sim
	$(SCHEDLAB) bench forkjoin

# The main job: compare strategies on a default mix, write SQLite and plots (scripts/demo.sh).
demo: setup
	@$(MAKE) --no-print-directory all
	@BUILD_ROOT=$(BUILD_ROOT) bash scripts/demo.sh

clean:
	rm -rf build

# ---- hardening: ASan+UBSan builds, fault injection, libFuzzer targets and their replayers ---
# `make test` also runs `hardening-build` (one line in its recipe), which builds
#   SAN=address,undefined   the unit tests, the validate programs, schedlab and the fuzz
#                           replayers with ASan + UBSan, into $(BUILD_ROOT)/san-address,undefined/
#   $(BUILD_ROOT)/fuzz/     the libFuzzer targets (clang-14, -fsanitize=fuzzer,address,undefined)
#                           when clang-14 is installed, for the short fuzz layer of the runner.
# `make fuzz [FUZZ_SECONDS=N] [FUZZ_JOBS=J]` builds the libFuzzer targets and runs each for N
# seconds, J at a time (tests/fuzz/run.sh: seed corpus, dictionaries, crash artifacts).
# Fuzz replayers: each tests/fuzz/fuzz_NAME.c linked by gcc with tests/fuzz/replay_main.c runs
# its seed corpus and regression inputs once, without libFuzzer.
# The unit binary is linked with --wrap on the allocation functions so that
# tests/unit/test_faults.c can count and fail the allocations of core/, sim/, cJSON and SQLite
# (that file says why this mechanism).
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 20
FUZZ_JOBS    ?= 2
FUZZ_DIR     := $(BUILD_ROOT)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=c11 -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -D_GNU_SOURCE -I. -pthread \
                -MMD -MP -Wall -Wextra $(CFLAGS)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(CORE_SRC) $(SIM_SRC) $(wildcard native/*.c))
FUZZ_REPLAY  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)
WRAP_ALLOC   := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup \
                -Wl,--wrap=aligned_alloc,--wrap=posix_memalign

$(UNIT_BIN): private LDFLAGS_ALL += $(WRAP_ALLOC)

$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o \
                            $(SIM_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  FUZZCC $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# An archive, so a target links only the objects it needs.
$(FUZZ_DIR)/libschedlab-fuzz.a: $(FUZZ_LIB_OBJ)
	$(Q)rm -f $@
	@$(if $(V),,echo "  AR    $@")
	$(Q)ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libschedlab-fuzz.a
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(LIBS)

.PHONY: fuzz fuzz-build fuzz-replay-build hardening-build
fuzz-build: $(FUZZ_BIN)

fuzz-replay-build: $(FUZZ_REPLAY)

fuzz: setup
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	    bash tests/fuzz/run.sh

hardening-build:
	@$(MAKE) --no-print-directory SAN=address,undefined tests-build fuzz-replay-build
	@if command -v $(FUZZ_CC) > /dev/null; then $(MAKE) --no-print-directory fuzz-build; \
	 else echo "hardening: $(FUZZ_CC) is missing: no libFuzzer targets (scripts/setup.sh)"; fi

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/obj/tests/fuzz/%.d) \
         $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%.d) $(BUILD)/tests/fuzz/replay_main.d
# ---- end hardening --------------------------------------------------------------------------

-include $(CORE_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/sim/cli/main.d \
         $(VALIDATE_SRC:tests/validate/%.c=$(BUILD)/tests/validate/%.d)

# Keep object files of programs (make would delete them as intermediates).
.SECONDARY:
