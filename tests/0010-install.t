#!/bin/sh
# make install and make uninstall, under DESTDIR and PREFIX.
. tests/lib.sh

run make -s install DESTDIR="$T/root" PREFIX=/opt/bw
exit_is 0 "make install: exit 0"
for p in bw-jsonl bw-parse bw-upload bw-create bw-poll bw-download bw-cancel bw-webhook bw-run; do
	ok '[ -f "$T/root/opt/bw/share/bash-completion/completions/'$p'" ]' "$p: bash completion installed"
	ok '[ -x "$T/root/opt/bw/bin/'$p'" ]' "$p installed in PREFIX/bin"
	ok '[ -f "$T/root/opt/bw/share/man/man1/'$p'.1" ]' "$p.1 installed in man1"
done
ok '[ -f "$T/root/opt/bw/share/man/man7/bw.7" ]' "bw.7 installed in man7"
run "$T/root/opt/bw/bin/bw-parse" --version
exit_is 0 "the installed program runs"
run bash -c '. "$1"; COMP_WORDS=(bw-jsonl --end); COMP_CWORD=1; _bw bw-jsonl; echo "${COMPREPLY[@]}"; COMP_WORDS=(bw-jsonl -e re); COMP_CWORD=2; _bw bw-jsonl; echo "${COMPREPLY[@]}"' bash completion/bw.bash
out_is "--endpoint
responses" "bash completion: options from --help, endpoints after -e"
run make -s uninstall DESTDIR="$T/root" PREFIX=/opt/bw
exit_is 0 "make uninstall: exit 0"
ok '[ -z "$(find "$T/root" -type f)" ]' "make uninstall leaves no file behind"

done_testing
