#!/bin/sh
# make demo: the stages that exist, on the examples.
set -e
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
echo "\$ bw-jsonl -m gpt-4o-mini <examples/requests.jsonl"
bw-jsonl -m gpt-4o-mini <examples/requests.jsonl
echo
echo "The network stages (bw-upload, bw-create, bw-poll, bw-download) are not"
echo "built yet; here is bw-parse on what a finished batch returns:"
echo
echo "\$ bw-parse examples/output.jsonl examples/errors.jsonl"
bw-parse examples/output.jsonl examples/errors.jsonl
