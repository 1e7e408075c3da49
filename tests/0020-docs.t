#!/bin/sh
# Every program: --help, --version, a man page that lints clean, has
# EXAMPLES and documents every option --help lists; bw.7 names them all.
. tests/lib.sh

for p in bw-jsonl bw-parse bw-upload bw-create bw-poll bw-download bw-cancel bw-webhook bw-run bw-ls bw-rm; do
	run $p --help
	exit_is 0 "$p --help: exit 0"
	ok 'head -1 "$T/out" | grep -q "^usage: '$p' "' "$p --help: a usage line"
	for o in $(grep -o -- '--[a-z][a-z-]*' "$T/out" | sort -u); do
		o=${o#--}
		ok 'grep -q "Fl Fl $o\\b" man/'$p'.1' "$p.1 documents --$o"
	done
	run $p --version
	out_is "$p 0.1.0" "$p --version"
	run mandoc -Tlint -Wwarning man/$p.1
	ok '[ $rc -eq 0 ] && [ ! -s "$T/out" ]' "$p.1: mandoc -Tlint is clean"
	ok 'grep -q "^\.Sh EXAMPLES" man/'$p'.1' "$p.1 has EXAMPLES"
	ok 'grep -q "^\.It Xr '$p' 1" man/bw.7' "bw.7 lists $p"
	ok 'grep -q "'$p'" README.md' "README.md mentions $p"
done
run mandoc -Tlint -Wwarning man/bw.7
ok '[ $rc -eq 0 ] && [ ! -s "$T/out" ]' "bw.7: mandoc -Tlint is clean"
# what man(1) shows, through groff at 80 columns: no warnings (a long
# unbreakable line once printed "can't break line" for every record)
for m in man/*.1 man/bw.7; do
	groff -mandoc -Tutf8 -rLL=78n "$m" >/dev/null 2>"$T/groff"
	ok '[ ! -s "$T/groff" ]' "$m: groff formats it without a warning"
done

done_testing
