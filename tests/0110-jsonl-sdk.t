#!/bin/sh
# bw-jsonl against the AI SDK: tests/sdk holds the bodies that ai 7 with
# @ai-sdk/openai 4 sent for the requests in tests/sdk/requests.jsonl,
# byte for byte as the SDK wrote them, and the requests both refuse
# (tests/sdk/README; tests/sdk/capture.mjs made them, node is not needed
# here).  Bodies are compared as bytes: key order and the spelling of
# numbers count.
. tests/lib.sh

# the batch input lines the fixture's bodies make: method and url after
# the custom id, the body's bytes untouched
lines() {
	awk -v url="$2" 'match($0, /^\{"custom_id":"([^"\\]|\\.)*",/) {
		print substr($0, 1, RLENGTH) "\"method\":\"POST\",\"url\":\"" url \
		    "\"," substr($0, RLENGTH + 1)
		next
	}
	{ print "not a fixture line: " $0 }' "$1"
}

# same_bytes WANT GOT: the files are equal; else the first differing
# lines, each at its first differing byte, and how many differ
same_bytes() {
	cmp -s "$1" "$2" && return 0
	awk '
	NR == FNR { w[FNR] = $0; nw = FNR; next }
	{ g[FNR] = $0; ng = FNR }
	function id(s) {
		if (match(s, /^\{"custom_id":"([^"\\]|\\.)*"/))
			return substr(s, 14, RLENGTH - 13)
		return "?"
	}
	function show(s, j) {
		if (j > 61)
			return "..." substr(s, j - 60, 150)
		return substr(s, 1, j + 89)
	}
	END {
		n = nw > ng ? nw : ng
		for (i = 1; i <= n; i++) {
			if ((w[i] "") == (g[i] ""))
				continue
			if (++bad > 4)
				continue
			lo = 0
			hi = length(w[i]) < length(g[i]) ? length(w[i]) : length(g[i])
			while (lo < hi) {	# the longest common prefix
				mid = int((lo + hi + 1) / 2)
				if (substr(w[i], 1, mid) == substr(g[i], 1, mid))
					lo = mid
				else
					hi = mid - 1
			}
			printf "# line %d, %s, from byte %d:\n#   sdk  %s\n#   bw   %s\n", \
			    i, id(i <= nw ? w[i] : g[i]), lo + 1, show(w[i], lo + 1), \
			    show(g[i], lo + 1)
		}
		printf "# %d of %d lines differ (%d lines from bw-jsonl)\n", bad, nw, ng
	}' "$1" "$2"
	return 1
}

for m in gpt-4o-mini gpt-5.5 o4-mini; do
	for e in chat responses completions; do
		case $e in
		chat) url=/v1/chat/completions ;;
		responses) url=/v1/responses ;;
		completions) url=/v1/completions ;;
		esac
		fx=tests/sdk/$m.$e.jsonl
		sdk_requests "$fx" tests/sdk/requests.jsonl >"$T/in"
		lines "$fx" "$url" >"$T/want"
		ok '[ "$(wc -l <"$T/in")" -eq "$(wc -l <"$fx")" ]' \
			"$m $e: every body's request is in requests.jsonl"
		bw-jsonl -m "$m" -e "$e" "$T/in" >"$T/out" 2>"$T/err"
		rc=$?
		[ $rc -eq 0 ] || { echo "# bw-jsonl exited $rc:"; grep -v warning: "$T/err" | head -3 | sed 's/^/#   /'; }
		ok 'same_bytes "$T/want" "$T/out"' \
			"$m $e: $(wc -l <"$fx") lines equal the SDK's bodies byte for byte"

		# the requests the SDK refuses, one at a time
		: >"$T/rids"
		awk -v want="tests/sdk/$m.$e.refused" -v dir="$T" '
		BEGIN { while ((getline l <want) > 0) ids["\"" l "\""] = 1 }
		match($0, /^\{"customId":"([^"\\]|\\.)*"/) {
			id = substr($0, 13, RLENGTH - 12)
			if (id in ids) {
				print >(dir "/r" ++n)
				close(dir "/r" n)
				print substr(id, 2, length(id) - 2) >(dir "/rids")
			}
		}' tests/sdk/requests.jsonl
		n=0 refused=0
		while read -r id; do
			n=$((n + 1))
			bw-jsonl -m "$m" -e "$e" <"$T/r$n" >"$T/out" 2>"$T/err"
			rc=$? why=
			while IFS= read -r l; do
				case $l in "bw-jsonl: line 1: "*) why=$l ;; esac
			done <"$T/err"
			if [ $rc -eq 65 ] && [ ! -s "$T/out" ] && [ -n "$why" ]; then
				refused=$((refused + 1))
			else
				echo "# $id was not refused (exit $rc)"
			fi
		done <"$T/rids"
		rm -f "$T/rids" "$T"/r[0-9]*
		ok '[ $refused -eq $n ] && [ $n -eq "$(grep -c . tests/sdk/$m.$e.refused)" ]' \
			"$m $e: the $n requests the SDK refuses exit 65 naming the line"
	done
done

done_testing
