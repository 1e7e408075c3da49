#!/bin/sh
# completion/bw.bash: what a user gets after TAB.
. tests/lib.sh

complete_words() {	# the words bash would offer for the command line $1
	bash -c '. "$1/completion/bw.bash"
		read -ra COMP_WORDS <<<"$2"
		case $2 in *" ") COMP_WORDS+=("") ;; esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_bw "${COMP_WORDS[0]}"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' bash "$TOP" "$1" | sort | tr '\n' ' '
}

mkdir "$T/dir" && cd "$T" || exit 1
ok '[ "$(complete_words "bw-run -")" = "--help --version -D -d -e -h -i -m -q " ]' \
	"bw-run -TAB: its short options too"
ok 'complete_words "bw-poll --" | grep -q -- "--interval "' "bw-poll --TAB: its long options"
ok '[ -z "$(complete_words "bw-jsonl -d ")" ]' "bw-jsonl -d TAB: nothing (JSON, not a file)"
ok '[ "$(complete_words "bw-run -d d")" = "dir " ]' "bw-run -d TAB: directories"
: >"$T/data.jsonl"	# a file: not offered for a directory
ok '[ "$(complete_words "bw-download -k d")" = "dir " ]' "bw-download -k TAB: directories"
ok '[ "$(complete_words "bw-download --keep-dir d")" = "dir " ]' "bw-download --keep-dir TAB: directories"
ok '[ -z "$(complete_words "bw-poll -i ")" ]' "bw-poll -i TAB: nothing (a number)"
ok '[ "$(complete_words "bw-jsonl -e c")" = "chat completions " ]' "bw-jsonl -e TAB: the endpoints"
done_testing
