#!/bin/sh
# bw-jsonl against the AI SDK: tests/sdk holds the bodies that ai 7 with
# @ai-sdk/openai 4 sent for the requests in tests/sdk/requests.jsonl
# (captured once with the real SDK; node is not needed here), and the
# requests both refuse.
. tests/lib.sh

cat >"$T/cmp.py" <<'E'
import json, sys
want = {}
for l in open(sys.argv[1], encoding='utf-8').read().split('\n'):
    if l:
        w = json.loads(l)
        want[w['custom_id']] = w['body']
got = {}
for l in open(sys.argv[2], encoding='utf-8').read().split('\n'):
    if l:
        g = json.loads(l)
        got[g['custom_id']] = g
bad = 0
for cid, body in want.items():
    g = got.get(cid)
    if g is None or g['body'] != body or g['method'] != 'POST' or g['url'] != sys.argv[3]:
        bad += 1
        if bad <= 3:
            print('# %s:\n#  sdk  %s\n#  ours %s' % (cid, json.dumps(body)[:600],
                  json.dumps(g and g['body'])[:600]))
if len(got) != len(want):
    print('# %d lines for %d requests' % (len(got), len(want)))
    bad += 1
sys.exit(1 if bad else 0)
E
cat >"$T/pick.py" <<'E'
import json, sys
ids = set(json.loads(l)['custom_id'] for l in open(sys.argv[1], encoding='utf-8').read().split('\n') if l)
for l in open(sys.argv[2], encoding='utf-8').read().split('\n'):
    if l and json.loads(l)['customId'] in ids:
        print(l)
E

for m in gpt-4o-mini gpt-5.5 o4-mini; do
	for e in chat responses completions; do
		case $e in
		chat) url=/v1/chat/completions ;;
		responses) url=/v1/responses ;;
		completions) url=/v1/completions ;;
		esac
		want=tests/sdk/$m.$e.jsonl
		python3 "$T/pick.py" "$want" tests/sdk/requests.jsonl >"$T/in"
		bw-jsonl -m "$m" -e "$e" "$T/in" >"$T/out" 2>"$T/err"
		ok 'python3 "$T/cmp.py" "$want" "$T/out" "$url"' \
			"$m $e: $(wc -l <"$want") bodies equal the SDK's"
		n=0 refused=0
		while read -r id; do
			[ -n "$id" ] || continue
			n=$((n + 1))
			grep -F "\"customId\":\"$id\"" tests/sdk/requests.jsonl >"$T/one"
			bw-jsonl -m "$m" -e "$e" <"$T/one" >"$T/out" 2>"$T/err"
			if [ $? -eq 65 ] && [ ! -s "$T/out" ] && grep -q '^bw-jsonl: line 1: ' "$T/err"; then
				refused=$((refused + 1))
			else
				echo "# $id was not refused"
			fi
		done <tests/sdk/$m.$e.refused
		ok '[ $refused -eq $n ]' "$m $e: the $n requests the SDK refuses too exit 65 naming the line"
	done
done

done_testing
