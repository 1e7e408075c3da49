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
ok '[ "$(complete_words "bw-run -")" = "--api-key-file --attempts --cacert --cancel --defaults --delete-files --dir --dry-run --endpoint --exec --expires-after --header --help --interval --max-enqueued-tokens --max-file --max-requests --model --notify --notify-allow-http --notify-allow-private --notify-secret-file --once --output-expires-after --quiet --request-timeout --retries --retry-wait --spool --status --timeout --verbose --version --wake -D -H -d -e -h -i -m -q -t -v " ]' \
	"bw-run -TAB: its long and short options"
ok 'complete_words "bw-poll --" | grep -q -- "--interval "' "bw-poll --TAB: its long options"
ok '[ -z "$(complete_words "bw-jsonl -d ")" ]' "bw-jsonl -d TAB: nothing (JSON, not a file)"
ok '[ "$(complete_words "bw-run -d d")" = "dir " ]' "bw-run -d TAB: directories"
ok '[ "$(complete_words "bw-run --dir d")" = "dir " ]' "bw-run --dir TAB: directories"
ok '[ -z "$(complete_words "bw-run --attempts ")" ]' "bw-run --attempts TAB: nothing (a number)"
: >"$T/data.jsonl"	# a file: not offered for a directory
ok '[ "$(complete_words "bw-download -k d")" = "dir " ]' "bw-download -k TAB: directories"
ok '[ "$(complete_words "bw-download --keep-dir d")" = "dir " ]' "bw-download --keep-dir TAB: directories"
ok '[ -z "$(complete_words "bw-poll -i ")" ]' "bw-poll -i TAB: nothing (a number)"
ok '[ "$(complete_words "bw-jsonl -e c")" = "chat completions " ]' "bw-jsonl -e TAB: the endpoints"
ok '[ "$(complete_words "bw-ls -s c")" = "cancelled cancelling completed " ]' "bw-ls -s TAB: the statuses"
ok '[ -z "$(complete_words "bw-ls --since ")" ]' "bw-ls --since TAB: nothing (an age)"
ok 'complete_words "bw-ls --" | grep -q -- "--files "' "bw-ls --TAB: its long options"
ok '[ "$(complete_words "bw-rm --")" = "--api-key-file --cacert --dry-run --error --header --help --input --output --request-timeout --retries --retry-wait --verbose --version " ]' \
	"bw-rm --TAB: its long options"
ok '[ "$(complete_words "bw-rm --input d")" = "data.jsonl dir " ]' "bw-rm --input TAB: files (records), not a value"
ok '[ -z "$(complete_words "bw-upload --expires-after ")" ]' "bw-upload --expires-after TAB: nothing (seconds)"
ok '[ -z "$(complete_words "bw-create --output-expires-after ")" ]' "bw-create --output-expires-after TAB: nothing (seconds)"
ok '[ "$(complete_words "bw-run --spool d")" = "dir " ]' "bw-run --spool TAB: directories"
ok '[ -z "$(complete_words "bw-run --notify ")" ] && [ -z "$(complete_words "bw-run --exec ")" ]' \
	"bw-run --notify, --exec TAB: nothing (a URL, a command)"
ok '[ "$(complete_words "bw-run --notify-secret-file data")" = "data.jsonl " ]' "bw-run --notify-secret-file TAB: files"
ok 'complete_words "bw-run --no" | grep -q -- "--notify-allow-private "' "bw-run --TAB: the new long options"
ok '[ "$(complete_words "bw-parse -i d")" = "data.jsonl dir " ] && [ "$(complete_words "bw-parse --input d")" = "data.jsonl dir " ]' \
	"bw-parse -i, --input TAB: files (the batch input), not a value"
done_testing
