#!/bin/sh
# The records the network stages read: bad ones refused with the line
# named, and nothing sent for them.
. tests/lib.sh
fake_start
R="--retry-wait 0.01"
bw-jsonl -m gpt-4o-mini examples/requests.jsonl | bw-upload | bw-create | bw-poll -i 0.01 >"$T/batch" 2>/dev/null
bid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$T/batch")

for prog in bw-create bw-poll bw-download bw-cancel; do
	bad() {	# input-file exit regex description
		fake_log_clear
		run $prog $R <"$1"
		exit_is $2 "$prog, $4: exit $2"
		out_empty "$prog, $4: nothing written"
		err_like "$3" "$prog, $4: said"
		ok '! fake_log | grep -q "\"method\": *\"POST\""' "$prog, $4: nothing created or cancelled"
	}
	printf '{"id":\n' >"$T/b1"
	bad "$T/b1" 65 "^$prog: line 1: invalid JSON at column 7: unexpected end of line$" "malformed JSON"
	printf 'batch one\n' >"$T/b2"
	bad "$T/b2" 65 "^$prog: line 1: not an id or a JSON object$" "two words"
	printf '"\377"\n' >"$T/b3"
	bad "$T/b3" 65 "^$prog: line 1: not a valid .* id" "invalid UTF-8"
	printf '{"id":"batch\000x"}\n' >"$T/b4"
	bad "$T/b4" 65 "^$prog: line 1: invalid JSON at column 13: control character in a string$" "a NUL byte"
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"a\":"; print "1" }' >"$T/b5"
	bad "$T/b5" 65 "^$prog: line 1: invalid JSON at column 1281: nested deeper than 256 levels$" "nesting past 256"
	head -c 21000000 /dev/zero | tr '\0' 'x' >"$T/b6"
	bad "$T/b6" 65 "^$prog: line 1: longer than the limit of 20971520 bytes$" "a line past the cap"
	bad /dev/null 65 "^$prog: no (files|batches) in the input$" "empty input"
	printf '{"id":5}\n' >"$T/b7"
	bad "$T/b7" 65 "^$prog: line 1: a record without a (valid file|batch) id" "an id that is a number"
	# a record of the wrong kind: the user's data, said of the record
	printf '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}\n' >"$T/b8"
	bad "$T/b8" 65 "^$prog: line 1: a line of batch input \\(it has a custom_id\\), not a" "a line of batch input"
	case $prog in
	bw-create)
		bad "$T/batch" 65 "^$prog: line 1: a Batch object \\(\"$bid\"\\), not a File object" "a Batch object"
		printf '{"object":"event","id":"evt_1","type":"batch.completed","data":{"id":"%s"}}\n' "$bid" >"$T/b9"
		bad "$T/b9" 65 "^$prog: line 1: a record of object \"event\", not a File object" "an event"
		printf '{"id":"evt_1","type":"batch.completed","created_at":1,"data":{"id":"%s"}}\n' "$bid" >"$T/b10"
		bad "$T/b10" 65 "^$prog: line 1: a webhook event \\(by its shape\\), not a File object" "an event without \"object\""
		;;
	*)
		printf '{"object":"file","id":"file-abc","purpose":"batch"}\n' >"$T/b9"
		if [ $prog = bw-download ]; then	# a file's lines, this one unknown
			bad "$T/b9" 65 "^$prog: GET /v1/files/file-abc: 404: No such File object" "a File object of no file"
		else
			bad "$T/b9" 65 "^$prog: line 1: a record of object \"file\", not a batch" "a File object"
		fi
		printf '{"foo":1}\n' >"$T/b10"
		bad "$T/b10" 65 "^$prog: line 1: a record without a batch id" "{\"foo\":1}"
		printf '{"object":7,"id":"%s"}\n' "$bid" >"$T/b11"
		bad "$T/b11" 65 "^$prog: line 1: a record whose \"object\" is not a string" "an object that is 7"
		# events of no batch, with or without "object"
		printf '{"object":"event","id":"evt_2","type":"response.completed","data":{"id":"resp_1"}}\n' >"$T/b12"
		bad "$T/b12" 65 "^$prog: line 1: a webhook event of type \"response.completed\", not a batch\.\* one" "a response.completed event"
		printf '{"id":"evt_3","type":"response.completed","created_at":1,"data":{"id":"resp_1"}}\n' >"$T/b13"
		bad "$T/b13" 65 "^$prog: line 1: a webhook event of type \"response.completed\", not a batch\.\* one" "a response.completed event without \"object\""
		printf '{"id":"evt_4","type":"batch.completed","created_at":1,"data":{}}\n' >"$T/b14"
		bad "$T/b14" 65 "^$prog: line 1: a webhook event without a batch id" "an event without data.id"
		;;
	esac
done
# an event without "object" (OpenAI's schema makes it optional, its
# example leaves it out) names the batch of its data.id, not its own id
printf '{"id":"evt_1","type":"batch.completed","created_at":1,"data":{"id":"%s"}}\n' "$bid" >"$T/event"
for prog in bw-poll bw-download bw-cancel; do
	fake_log_clear
	run $prog $R <"$T/event"
	case $prog in
	bw-cancel) exit_is 1 "$prog, an event without \"object\": exit 1 (the batch has ended)" ;;
	*) exit_is 0 "$prog, an event without \"object\": exit 0" ;;
	esac
	ok 'fake_log | grep -q "/v1/batches/$bid"' "$prog, an event without \"object\": its data.id asked for"
	ok '! fake_log | grep -q "evt_1"' "$prog, an event without \"object\": its own id never sent"
done
ok '[ "$(wc -l <"$T/out")" -ge 1 ] && [ "$(jget "$T/out" id)" = "$bid" ]' "bw-cancel, an event without \"object\": the batch of data.id written"
run bw-download $R <"$T/event"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "bw-download, an event without \"object\": the batch's lines written"

printf '%s\n%s' "$bid" "$bid" >"$T/twice"
run bw-download $R <"$T/twice"
exit_is 0 "bw-download: one batch named twice, the last line cut short of its newline: exit 0"
ok '[ "$(wc -l <"$T/out")" -eq 4 ]' "bw-download: a batch named twice is written once"
err_like "^bw-download: $bid: named again; its lines are written once$" "bw-download: said"

done_testing
