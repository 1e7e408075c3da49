#!/bin/sh
# make demo: the whole pipeline on examples/requests.jsonl, against the
# local stand-in for the OpenAI API (tests/fake-openai.py) on loopback.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bw-demo.XXXXXX")
python3 tests/fake-openai.py --port-file "$tmp/port" --pace 0.2 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "demo: the local server did not start" >&2; exit 1; }
	sleep 0.05
done
OPENAI_BASE_URL=http://127.0.0.1:$(cat "$tmp/port")/v1
OPENAI_API_KEY=sk-demo-not-a-real-key
export OPENAI_BASE_URL OPENAI_API_KEY
echo "A local stand-in for the OpenAI API listens at $OPENAI_BASE_URL."
echo

step() {
	echo "\$ $1"
	sh -c "$1"
	echo
}
step "bw-jsonl -m gpt-4o-mini <examples/requests.jsonl | tee $tmp/batch.jsonl | head -1"
step "bw-upload $tmp/batch.jsonl | tee $tmp/file.json"
step "bw-create <$tmp/file.json | tee $tmp/created.json"
step "bw-poll -i 0.2 <$tmp/created.json | tee $tmp/done.json"
step "bw-download <$tmp/done.json | tee $tmp/lines.jsonl | head -c 300; echo ..."
step "bw-parse $tmp/lines.jsonl"
echo "All at once:"
step "bw-jsonl -m gpt-4o-mini <examples/requests.jsonl | bw-upload | bw-create | bw-poll -i 0.2 | bw-download | bw-parse"
echo "Structured output, a classification, one command (the stand-in picks the first option):"
step "bw-run -d $tmp/run -m gpt-4o-mini -i 0.2 -D '{\"output\":{\"type\":\"choice\",\"options\":[\"positive\",\"negative\",\"neutral\"]}}' examples/reviews.jsonl"
