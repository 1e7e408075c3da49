# tests/fuzz/fuzz.mk: libFuzzer targets for libbw; the main Makefile
# includes it.  `make fuzz` builds every target with clang's libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (the library compiled
# again with the same flags into tests/fuzz/obj/), then runs each for
# FUZZ_SECONDS seconds from a copy of its seed corpus, prints the
# executions and the coverage, and fails if any target crashed.
# Needs Debian's clang and libclang-rt-14-dev (or another clang with
# its compiler-rt).  Use from the top directory; without the main
# Makefile: make -f Makefile -f tests/fuzz/fuzz.mk fuzz FUZZ_SECONDS=20

FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR = tests/fuzz
FUZZ_SAN = -fsanitize=fuzzer,address,undefined
FUZZ_CFLAGS = -g -O1 $(FUZZ_SAN) -std=c99 -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -Wall -Wextra -Wno-missing-field-initializers -DBW_VERSION='"$(FUZZ_VERSION)"' -Ilib
FUZZ_VERSION = $(if $(VERSION),$(VERSION),0)
FUZZ_LDLIBS = -lcurl -lbearssl -lm -lpthread
FUZZ_LIBSRC = $(if $(LIBSRC),$(LIBSRC),$(wildcard lib/*.c lib/*/*.c))
FUZZ_HDRS = $(wildcard lib/*.h lib/*/*.h)
FUZZ_LIBOBJ = $(FUZZ_LIBSRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_TARGETS = jsonl request result id signature base64
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
# UBSan reports stop the run (a report is a crash); -timeout catches hangs
FUZZ_ENV = UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
FUZZ_RUNFLAGS = -timeout=10 -print_final_stats=1

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/%.c $(FUZZ_LIBOBJ) $(FUZZ_HDRS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIBOBJ) $(FUZZ_LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Each target runs in tests/fuzz/work/NAME (a copy of corpus/NAME, so
# that the committed seeds stay small); its log is work/NAME.log, and a
# crashing input is kept as work/NAME-crash-SHA1 (or -leak-, -timeout-).
fuzz: $(FUZZ_BINS)
	@failed=; \
	for t in $(FUZZ_TARGETS); do \
		w=$(FUZZ_DIR)/work/$$t; \
		rm -rf $$w $$w-*; mkdir -p $$w; \
		cp $(FUZZ_DIR)/corpus/$$t/* $$w/; \
		dict=; [ -f $(FUZZ_DIR)/$$t.dict ] && dict=-dict=$(FUZZ_DIR)/$$t.dict; \
		$(FUZZ_ENV) ./$(FUZZ_DIR)/$$t $(FUZZ_RUNFLAGS) $$dict \
			-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$$w- \
			$$w >$$w.log 2>&1; \
		rc=$$?; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$w.log); \
		last=$$(grep 'cov:' $$w.log | tail -1); \
		[ -n "$$execs" ] || execs=$$(printf '%s\n' "$$last" | sed -n 's/^#\([0-9]*\).*/\1/p'); \
		cov=$$(printf '%s\n' "$$last" | sed -n 's/.*\(cov: [0-9]*\).*/\1/p'); \
		ft=$$(printf '%s\n' "$$last" | sed -n 's/.*\(ft: [0-9]*\).*/\1/p'); \
		corp=$$(printf '%s\n' "$$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p'); \
		if [ $$rc -eq 0 ]; then \
			printf '%-10s %10s execs  %s  %s  corpus %s\n' \
				"$$t" "$${execs:-?}" "$$cov" "$$ft" "$$corp"; \
		else \
			printf '%-10s CRASHED (exit %s) after %s execs; %s\n' \
				"$$t" "$$rc" "$${execs:-?}" "$$cov"; \
			grep -E '^[a-z0-9]+: |ERROR:|SUMMARY:|Test unit written' $$w.log | head -8 | sed 's/^/    /'; \
			grep -E '^ *#[0-9]+ .* in .*(lib|tests/fuzz)/[a-z0-9]+\.c:' $$w.log | head -6 | sed 's/^ */      /'; \
			failed="$$failed $$t"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: crashed:$$failed (logs and inputs in $(FUZZ_DIR)/work/)" >&2; \
		exit 1; \
	fi

fuzz-clean:
	rm -rf $(FUZZ_BINS) $(FUZZ_DIR)/obj $(FUZZ_DIR)/work

.PHONY: fuzz fuzz-build fuzz-clean

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
