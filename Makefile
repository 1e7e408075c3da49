# bw: a toolkit for the OpenAI Batch API.  Plain make; no configure step.
VERSION = 0.1.0
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
COMPDIR = $(PREFIX)/share/bash-completion/completions

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c99 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
	-DBW_VERSION='"$(VERSION)"' -Ilib $(SAN)
LDFLAGS += $(SAN)
LDLIBS = -lcurl -lbearssl -lm -lpthread

CPROGS = bin/bw-jsonl bin/bw-parse bin/bw-upload bin/bw-create bin/bw-poll \
	bin/bw-download bin/bw-cancel bin/bw-webhook
PROGS = $(CPROGS) bin/bw-run
MAN1 = $(PROGS:bin/%=man/%.1)
MAN7 = man/bw.7
LIBSRC = $(wildcard lib/*.c lib/*/*.c)
LIBOBJ = $(LIBSRC:.c=.o)
UNITS = tests/unit/json tests/unit/lines tests/unit/strset tests/unit/result \
	tests/unit/request tests/unit/webhook tests/unit/batch

# Debian packages the build and the tests need; `make deps` installs the
# missing ones when run as root.
DEPS = gcc make libc6-dev libcurl4-openssl-dev libbearssl-dev \
	libcmocka-dev mandoc python3 jq perl curl openssl

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
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

$(LIBOBJ) $(CPROGS:=.o) $(UNITS:=.o): lib/bw.h $(wildcard lib/*/*.h) | deps

lib/libbw.a: $(LIBOBJ)
	$(AR) rcs $@ $(LIBOBJ)

$(CPROGS): %: %.o lib/libbw.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libbw.a $(LDLIBS)

bin/bw-run: bin/bw-run.sh
	sed 's/@VERSION@/$(VERSION)/' bin/bw-run.sh >$@ && chmod +x $@

$(UNITS): %: %.o lib/libbw.a
	$(CC) $(LDFLAGS) -o $@ $< lib/libbw.a $(LDLIBS) -lcmocka

check: $(PROGS) $(UNITS)
	CMOCKA_MESSAGE_OUTPUT=TAP prove $(PROVEFLAGS) $(UNITS) tests/*.t
	@for m in $(MAN1) $(MAN7); do mandoc -Tlint -Wwarning $$m || exit 1; done

# The whole suite with AddressSanitizer and UBSan, in a copy of the tree
# (.asan/) so that the normal build is left alone.
check-asan:
	rm -rf .asan && mkdir .asan
	cp -R Makefile README.md bin lib tests man examples completion .asan/
	rm -rf .asan/tests/fuzz/work .asan/tests/fuzz/obj
	$(MAKE) -C .asan clean >/dev/null
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) -C .asan check \
		SAN="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

# The tests that need no server, each C program run under valgrind:
# any memory error or definite leak makes it exit 99 and the test fail.
check-valgrind: $(PROGS) $(UNITS)
	@command -v valgrind >/dev/null || { echo "check-valgrind: apt-get install valgrind" >&2; exit 1; }
	for u in $(UNITS); do \
		CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite ./$$u >/dev/null || exit 1; done
	BW_VALGRIND=1 prove $(PROVEFLAGS) tests/0100-jsonl.t tests/0110-jsonl-sdk.t \
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

demo: $(PROGS)
	@sh examples/demo.sh

clean:
	rm -f $(PROGS) $(CPROGS:=.o) $(LIBOBJ) lib/libbw.a $(UNITS) $(UNITS:=.o)
	rm -rf .asan $(FUZZ_BINS) tests/fuzz/obj tests/fuzz/work

# Speed and memory against jq, node and curl (bench/README.md); not part
# of check.  BENCHFLAGS=--strict fails on a missed target.
bench: $(PROGS)
	bench/run $(BENCHFLAGS)

# make fuzz (tests/fuzz/fuzz.mk) needs clang with libFuzzer
FUZZ_DEPS = clang libclang-rt-14-dev
fuzz-deps:
	@$(MAKE) -s deps DEPS="$(FUZZ_DEPS)"

include tests/fuzz/fuzz.mk
$(FUZZ_BINS) $(FUZZ_LIBOBJ): | fuzz-deps

.PHONY: all deps check check-asan check-valgrind install uninstall demo clean \
	fuzz-deps bench
