#!/bin/sh
# tests/faults.tsv: each network program against each fault, with the
# exit status it must give, and whole, correct output when it is 0.
. tests/lib.sh
fake_start
R="--retries 3 --retry-wait 0.01"
bw-jsonl -m gpt-4o-mini examples/requests.jsonl >"$T/in.jsonl"
obj() {	# obj FILE TYPE: FILE holds one JSON object, whose "object" is TYPE
	jq -se --arg t "$2" 'length == 1 and (.[0] | type == "object" and .object == $t)' "$1" >/dev/null 2>&1
}
path_of() {
	case $1 in
	bw-upload) echo '^/v1/files$' ;;
	bw-create) echo '^/v1/batches$' ;;
	bw-poll) echo '^/v1/batches/[^/]+$' ;;
	bw-download) echo '/content$' ;;
	bw-cancel) echo '/cancel$' ;;
	esac
}

while IFS='	' read -r prog fault want what; do
	case $prog in ''|'#'*) continue ;; esac
	# what the program reads, made with no fault on
	fake_ctl '{"faults":[],"steps":1}'
	case $prog in
	bw-upload) cp "$T/in.jsonl" "$T/input" ;;
	bw-create) bw-upload "$T/in.jsonl" >"$T/input" ;;
	bw-poll|bw-cancel) bw-upload "$T/in.jsonl" | bw-create >"$T/input" ;;
	bw-download) bw-upload "$T/in.jsonl" | bw-create | bw-poll -i 0.01 >"$T/input" 2>/dev/null ;;
	esac
	fault=$(printf '%s' "$fault" | sed "s|^{|{\"path\":\"$(path_of $prog)\",|")
	fake_ctl "{\"faults\":[$fault]}"
	case $prog in
	bw-poll) run $prog -i 0.01 $R <"$T/input" ;;
	*) run $prog $R <"$T/input" ;;
	esac
	exit_is "$want" "$prog, $what: exit $want"
	if [ "$want" -eq 0 ]; then
		case $prog in
		bw-upload) ok 'obj "$T/out" file' "$prog, $what: the File object" ;;
		bw-create|bw-poll|bw-cancel) ok 'obj "$T/out" batch && [ "$(wc -l <"$T/out")" -eq 1 ]' "$prog, $what: one Batch object" ;;
		bw-download) ok '[ "$(bw-parse "$T/out" | grep -c "\"status\":\"succeeded\"")" -eq 4 ]' "$prog, $what: every line once" ;;
		esac
	else
		case $prog in
		bw-download) out_empty "$prog, $what: nothing written" ;;
		*) ok '! obj "$T/out" batch && ! obj "$T/out" file' "$prog, $what: no record written" ;;
		esac
	fi
done <tests/faults.tsv

# one batch per file through every create fault
n=$(curl -sf -H 'Authorization: Bearer x' "$OPENAI_BASE_URL/batches?limit=100" |
	python3 -c "import json,sys,collections; c=collections.Counter(b['input_file_id'] for b in json.load(sys.stdin)['data']); print(max(c.values()))")
ok '[ "$n" -eq 1 ]' "never two batches for one file"
ok '! grep -rq "sk-test-0123456789-secret" "$T"' "the key in no output"

done_testing
