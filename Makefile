# bw: a toolkit for the OpenAI Batch API.  Plain make; no configure step.
VERSION = 0.1.0
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
COMPDIR = $(PREFIX)/share/bash-completion/completions

CC ?= cc
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's (make CFLAGS=...);
# the flags the build needs are BW_* and always added.
CFLAGS ?= -O2 -g
BW_CPPFLAGS = -Ilib -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DBW_VERSION='"$(VERSION)"'
BW_CFLAGS = -std=c99 -pthread -Wall -Wextra $(SAN)
BW_LIBS = -lcurl -lbearssl -lm -lpthread

CPROGS = bin/bw-jsonl bin/bw-parse bin/bw-upload bin/bw-create bin/bw-poll \
	bin/bw-download bin/bw-cancel bin/bw-webhook bin/bw-run bin/bw-ls \
	bin/bw-rm
PROGS = $(CPROGS)
MAN1 = $(PROGS:bin/%=man/%.1)
MAN7 = man/bw.7
# Every .c in lib/ and its subdirectories is part of libbw, and every
# object depends on every header: a new file needs no edit here.
LIBSRC = $(sort $(wildcard lib/*.c lib/*/*.c))
LIBOBJ = $(LIBSRC:.c=.o)
HDRS = $(sort $(wildcard lib/*.h lib/*/*.h))
UNITS = $(sort $(patsubst %.c,%,$(wildcard tests/unit/*.c)))

# Debian packages the build and the tests need; `make deps` installs the
# missing ones when run as root.  make check, demo, check-asan,
# check-valgrind and fuzz run it first, before anything is compiled; a
# plain make never does.  The web servers (lighttpd, nginx, fcgiwrap:
# tests/0510 and 0520 start their own on loopback) are installed with a
# policy-rc.d that forbids starting a service (invoke-rc.d(8)), so that
# none starts on port 80 as the packages come in.
DEPS = gcc make libc6-dev libcurl4-openssl-dev libbearssl-dev \
	libcmocka-dev mandoc groff-base python3 jq perl curl openssl \
	lighttpd nginx fcgiwrap
DEPS_GOALS = check demo check-asan check-valgrind fuzz fuzz-build fuzz-deps
# make fuzz (tests/fuzz/fuzz.mk) needs clang with libFuzzer
FUZZ_DEPS = clang libclang-rt-14-dev
ifneq ($(filter check-valgrind,$(MAKECMDGOALS)),)
DEPS += valgrind
endif
ifneq ($(filter fuzz fuzz-build fuzz-deps,$(MAKECMDGOALS)),)
DEPS += $(FUZZ_DEPS)
endif

all: $(PROGS)

deps:
	@command -v dpkg-query >/dev/null || exit 0; \
	missing=; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make deps: missing Debian packages:$$missing (run 'make deps' as root)" >&2; \
		exit 1; fi; \
	echo "make deps: installing$$missing"; \
	pol=/usr/sbin/policy-rc.d; \
	[ -e $$pol ] || { trap 'rm -f '$$pol EXIT; trap 'exit 130' INT TERM HUP; \
		printf '#!/bin/sh\nexit 101\n' >$$pol; chmod 755 $$pol; }; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

%.o: %.c
	$(CC) $(BW_CPPFLAGS) $(CPPFLAGS) $(BW_CFLAGS) $(CFLAGS) -c -o $@ $<
tests/unit/strset.o: lib/strset.c	# it includes the library's code

$(LIBOBJ) $(CPROGS:=.o) $(UNITS:=.o): $(HDRS)

# With a goal that installs packages, nothing is compiled before deps
# has run (even with -j).
ifneq ($(filter $(DEPS_GOALS),$(MAKECMDGOALS)),)
$(LIBOBJ) $(CPROGS:=.o) $(UNITS:=.o): | deps
endif

# made anew when a source comes or goes: lib/libbw.list, the list of
# objects, is written (when it changed) as the Makefile is read
$(shell echo '$(LIBOBJ)' | cmp -s - lib/libbw.list 2>/dev/null || \
	echo '$(LIBOBJ)' >lib/libbw.list)
lib/libbw.a: $(LIBOBJ) lib/libbw.list
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(CPROGS): %: %.o lib/libbw.a
	$(CC) $(BW_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< lib/libbw.a \
		$(BW_LIBS) $(LDLIBS)

$(UNITS): %: %.o lib/libbw.a
	$(CC) $(BW_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< lib/libbw.a \
		$(BW_LIBS) -lcmocka $(LDLIBS)

# prove runs TEST_JOBS test files at once (default: the online CPUs);
# python3 is looked up once for all of them (tests/lib.sh).
TEST_JOBS = $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# the longest first, so that they do not end the run alone (those of
# them that exist: a file renamed is just not first)
SLOW_TESTS = $(wildcard tests/0110-jsonl-sdk.t tests/0410-faults.t \
	tests/0600-run.t tests/0400-pipeline.t tests/0300-fake-server.t)
TESTS = $(SLOW_TESTS) $(filter-out $(SLOW_TESTS),$(sort $(wildcard tests/*.t)))
PROVE = CMOCKA_MESSAGE_OUTPUT=TAP \
	BW_PYTHON=$$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) \
	prove -j$(TEST_JOBS) $(PROVEFLAGS)

check: deps $(PROGS) $(UNITS)
	$(PROVE) $(TESTS) $(UNITS)
	@for m in $(MAN1) $(MAN7); do mandoc -Tlint -Wwarning $$m || exit 1; done

# The whole suite with AddressSanitizer and UBSan, in a copy of the tree
# (.asan/) so that the normal build is left alone.
check-asan: deps
	rm -rf .asan && mkdir .asan
	cp -R Makefile README.md bin lib tests man examples completion .asan/
	rm -rf .asan/tests/fuzz/work .asan/tests/fuzz/obj
	$(MAKE) -C .asan clean >/dev/null
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) -C .asan check \
		SAN="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

# The tests that need no server, each C program run under valgrind:
# any memory error or definite leak makes it exit 99 and the test fail.
# (make deps installs valgrind with this goal.)
check-valgrind: deps $(PROGS) $(UNITS)
	for u in $(UNITS); do \
		CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite ./$$u >/dev/null || exit 1; done
	BW_VALGRIND=1 $(PROVE) tests/0100-jsonl.t tests/0110-jsonl-sdk.t \
		tests/0115-jsonl-embeddings.t tests/0116-jsonl-images.t \
		tests/0210-parse-sdk.t \
		tests/0200-parse.t tests/0500-webhook.t

install: $(PROGS)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(COMPDIR)
	cp $(PROGS) $(DESTDIR)$(BINDIR)/
	cp $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	cp $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	for p in $(PROGS); do \
		cp completion/bw.bash $(DESTDIR)$(COMPDIR)/$${p#bin/} || exit 1; \
	done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/} \
		$(DESTDIR)$(COMPDIR)/$${p#bin/}; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	rm -f $(DESTDIR)$(MANDIR)/man7/bw.7

demo: deps $(PROGS)
	@sh examples/demo.sh

clean:
	rm -f $(PROGS) $(CPROGS:=.o) lib/*.o lib/*/*.o lib/libbw.a lib/libbw.list $(UNITS) \
		tests/unit/*.o
	rm -rf .asan $(FUZZ_BINS) tests/fuzz/obj tests/fuzz/work

# Speed and memory against jq, node and curl (bench/README.md); not part
# of check.  BENCHFLAGS=--strict fails on a missed target.
bench: $(PROGS)
	bench/run $(BENCHFLAGS)

# DEPS has FUZZ_DEPS with this goal
fuzz-deps: deps

include tests/fuzz/fuzz.mk
$(FUZZ_BINS) $(FUZZ_LIBOBJ): | deps

.PHONY: all deps check check-asan check-valgrind install uninstall demo clean \
	fuzz-deps bench
