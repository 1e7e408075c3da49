#!/bin/sh
# Messages: "prog: what: why" on one line of stderr, whole, however long
# the program's name or the message.
. tests/lib.sh

# runs bw-parse under the name $1 (argv[0]) with the other arguments
as() {
	name=$1
	shift
	run perl -e '$p = shift; exec {$p} @ARGV or exit 127' \
		"$TOP/bin/bw-parse" "$name" "$@"
}

long=$(printf 'a%.0s' $(seq 1100))
as "$long" "$T/none"
exit_is 2 "a 1100-byte program name: the usual exit status"
printf '%s: %s: No such file or directory\n' "$long" "$T/none" >"$T/want"
ok 'cmp -s "$T/want" "$T/err"' "the whole name and message on stderr"

as "/some/dir/$long" "$T/none"
ok 'cmp -s "$T/want" "$T/err"' "the name is argv[0]'s last component"

# 700 two-byte characters: a cut at any even byte count past the
# prefix would split one
utf=$(printf '\303\251%.0s' $(seq 700))
as "x$utf" "$T/none"
exit_is 2 "a name of 700 UTF-8 characters: exit 2"
printf 'x%s: %s: No such file or directory\n' "$utf" "$T/none" >"$T/want"
ok 'cmp -s "$T/want" "$T/err"' "every character of it on stderr"

# a message of 6000 bytes
path=$(printf './%.0s' $(seq 3000))none
run bw-parse "$path"
exit_is 2 "a 6000-byte file name: exit 2"
printf 'bw-parse: %s: File name too long\n' "$path" >"$T/want"
ok 'cmp -s "$T/want" "$T/err"' "the whole message on stderr"

# both at once
path=$(printf './%.0s' $(seq 1000))none
as "$long$long$long" "$path"
printf '%s: %s: No such file or directory\n' "$long$long$long" "$path" >"$T/want"
ok 'cmp -s "$T/want" "$T/err"' "a long name and a long message together"

# bw.h marks the dying functions noreturn and the formatting ones with
# printf's format: the compiler checks every call
cat >"$T/attr.c" <<'E'
#include "bw.h"
int f(int x) { if (x) return 1; bw_die(BW_EX_IOERR, "%s", "x"); }
int g(int x) { if (x) return 1; bw_usage("x"); }
int h(void) { bw_die_line("f", 1, 65, "%zu", (size_t)1); }
E
run ${CC:-cc} -std=c99 -Wall -Werror -I"$TOP/lib" -c -o "$T/attr.o" "$T/attr.c"
exit_is 0 "no return needed after bw_die, bw_usage, bw_die_line"
cat >"$T/attr.c" <<'E'
#include "bw.h"
void f(void) { bw_warn("%s", 1); }
E
run ${CC:-cc} -std=c99 -Wall -I"$TOP/lib" -c -o "$T/attr.o" "$T/attr.c"
err_like 'format' "a bad argument to bw_warn's format is a warning"

done_testing
