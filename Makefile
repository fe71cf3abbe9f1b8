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

# ---- sources -------------------------------------------------------------------------------
CORE_SRC     := $(wildcard core/*.c)
SIM_SRC      := $(filter-out sim/main.c,$(wildcard sim/*.c))
UNIT_SRC     := $(wildcard tests/unit/*.c)
VALIDATE_SRC := $(wildcard tests/validate/*.c)

CORE_OBJ     := $(CORE_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ      := $(SIM_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ     := $(UNIT_SRC:%.c=$(BUILD)/%.o)
VALIDATE_BIN := $(VALIDATE_SRC:tests/validate/%.c=$(BUILD)/tests/validate/%)

LIB      := $(BUILD)/libschedlab.a
SCHEDLAB := $(BUILD)/schedlab
UNIT_BIN := $(BUILD)/tests/unit_tests

# ---- aarch64 (issue 3) ---------------------------------------------------------------------
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
$(BUILD)/tests/aarch64/%: $(BUILD)/tests/aarch64/%.o $(BUILD)/sim/sim_util.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@ (static)")
	$(Q)$(CC) -static $(LDFLAGS_ALL) -o $@ $^

$(BUILD)/tests/aarch64/deque_stress: $(BUILD)/tests/validate/deque_stress.o \
                                     $(BUILD)/sim/sim_util.o $(LIB)
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

$(SCHEDLAB): $(BUILD)/sim/main.o $(SIM_OBJ) $(LIB)
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
	@BUILD_ROOT=$(BUILD_ROOT) bash scripts/run-tests.sh

bench: setup
	@$(MAKE) --no-print-directory all
	$(SCHEDLAB) bench deque
	$(SCHEDLAB) bench sim

# The main job: compare strategies on a default mix, write SQLite and plots (scripts/demo.sh).
demo: setup
	@$(MAKE) --no-print-directory all
	@BUILD_ROOT=$(BUILD_ROOT) bash scripts/demo.sh

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/sim/main.d \
         $(VALIDATE_SRC:tests/validate/%.c=$(BUILD)/tests/validate/%.d)

# Keep object files of programs (make would delete them as intermediates).
.SECONDARY:
