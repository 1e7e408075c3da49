#!/bin/sh
# Retries of programs started together do not fall in step: each
# process draws its own jitter.
. tests/lib.sh

# Five at once against a port where nothing listens, each with one
# retry 45 to 60 s away; the line saying so is all we wait for.
for i in 1 2 3 4 5; do
	OPENAI_API_KEY=sk-x OPENAI_BASE_URL=http://127.0.0.1:9/v1 \
		bw-cancel --retries 1 --retry-wait 60 batch_1 2>"$T/err.$i" &
	eval pid$i=\$!
done
i=0
while [ $i -lt 200 ] && [ "$(cat "$T"/err.* | grep -c 'retry 1 of 1 in')" -lt 5 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill $pid1 $pid2 $pid3 $pid4 $pid5 2>/dev/null
wait
ok '[ "$(cat "$T"/err.* | grep -c "retry 1 of 1 in [0-9.]*s$")" -eq 5 ]' \
	"five processes: each says when it retries"
ok '[ "$(sed -n "s/.*retry 1 of 1 in \([0-9.]*\)s$/\1/p" "$T"/err.* | sort -u | wc -l)" -gt 1 ]' \
	"not all five wait the same (all alike once in 500 million runs)"
ok '! sed -n "s/.*retry 1 of 1 in \([0-9.]*\)s$/\1/p" "$T"/err.* | awk "\$1 < 45 || \$1 > 60 { bad = 1 } END { exit !bad }"' \
	"each waits 45 to 60 s"

done_testing
