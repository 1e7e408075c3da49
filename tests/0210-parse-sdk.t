#!/bin/sh
# bw-parse against the AI SDK: tests/sdk/results-in.jsonl holds result
# bodies, tests/sdk/results.jsonl what ai 7 with @ai-sdk/openai 4 read
# from each (generateText for chat, responses and completions, embed for
# embeddings, generateImage for images; tests/sdk/results.mjs made it,
# node is not needed here).  Each body, wrapped as a batch output line,
# must give the SDK's text, finishReason, toolCalls, usage
# (reasoningTokens and cachedInputTokens when the body reports them),
# embedding and images, field by field; a body the SDK threw on must be
# refused (65, naming the line), never read as a success.  With the
# requests as bw-jsonl sends them (--input), a case whose request asked
# for structured output must give result.output, or outputError where
# the SDK throws, and where the reply breaks its schema ("fits":false).
# Moderations, which the SDK has no function for, are held instead to
# tests/sdk/moderations-facts.jsonl: expected values written by hand
# from the facts of Batchwork's reading (flagged is the provider's flag
# or any category true; only boolean categories, only numeric scores),
# not captured from the SDK.
. tests/lib.sh

# in.jsonl: every case the SDK read, and every moderations case;
# refused.N: each case the SDK threw on, alone
python3 - tests/sdk/results-in.jsonl tests/sdk/results.jsonl \
    tests/sdk/moderations-facts.jsonl "$T" <<'E2'
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1], encoding='utf8')]
sdk = [json.loads(l) for l in open(sys.argv[2], encoding='utf8')]
mod = [json.loads(l) for l in open(sys.argv[3], encoding='utf8')]
def line(i, c):
    return json.dumps({"id": "batch_req_%d" % i, "custom_id": c["id"],
        "response": {"status_code": 200, "request_id": "req_%d" % i,
        "body": c["body"]}, "error": None}) + "\n"
with open(sys.argv[4] + "/in.jsonl", "w") as f:
    for i, c in enumerate(ins):
        if i >= len(sdk) or "error" not in sdk[i]:
            f.write(line(i, c))
    for i, c in enumerate(mod):
        f.write(line(len(ins) + i, c))
for i, (c, s) in enumerate(zip(ins, sdk)):
    if "error" in s:
        with open(sys.argv[4] + "/refused.%d" % i, "w") as f:
            f.write(line(i, c))
        with open(sys.argv[4] + "/refused.ids", "a") as f:
            f.write("%d %s\n" % (i, c["id"]))
# the text cases again, with the requests they answer, for --input: a
# bw-jsonl request a case, with the case's output when it has one
text = [(i, c) for i, c in enumerate(ins)
        if c["kind"] in ("chat", "responses", "completions") and "error" not in sdk[i]]
with open(sys.argv[4] + "/text.jsonl", "w") as f:
    for i, c in text:
        f.write(line(i, c))
for kind in ("chat", "responses", "completions"):
    with open(sys.argv[4] + "/req." + kind, "w") as f:
        for i, c in text:
            if c["kind"] == kind:
                r = {"customId": c["id"], "prompt": "x"}
                if "output" in c:
                    r["output"] = c["output"]
                f.write(json.dumps(r) + "\n")
E2
run bw-parse "$T/in.jsonl"
exit_is 0 "every case: exit 0"
err_empty "nothing on stderr"

python3 - tests/sdk/results-in.jsonl tests/sdk/results.jsonl "$T/out" \
    tests/sdk/moderations-facts.jsonl >"$T/cmp" <<'E2'
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1], encoding='utf8')]
sdk = [json.loads(l) for l in open(sys.argv[2], encoding='utf8')]
got = [json.loads(l) for l in open(sys.argv[3], encoding='utf8')]
mod = [json.loads(l) for l in open(sys.argv[4], encoding='utf8')]
if len(ins) != len(sdk):
    print("FAIL counts: %d cases, %d captured" % (len(ins), len(sdk)))
    sys.exit()
read = [(c, s) for c, s in zip(ins, sdk) if "error" not in s]
if len(got) != len(read) + len(mod):
    print("FAIL counts: %d cases read, %d moderations, %d results" %
          (len(read), len(mod), len(got)))
    sys.exit()

def refusal_of(body):
    """the refusal text the body holds, or None"""
    for c in body.get("choices", [])[:1]:
        r = (c.get("message") or {}).get("refusal")
        return r if r else None
    parts = [p["refusal"] for o in body.get("output", []) if o.get("type") == "message"
             for p in o.get("content", []) if p.get("type") == "refusal"]
    return "".join(parts) if parts else None

def details(body, k):
    u = body.get("usage") or {}
    if "prompt_tokens" in u or "completion_tokens" in u:
        d = {"reasoningTokens": ("completion_tokens_details", "reasoning_tokens"),
             "cachedInputTokens": ("prompt_tokens_details", "cached_tokens")}[k]
    else:
        d = {"reasoningTokens": ("output_tokens_details", "reasoning_tokens"),
             "cachedInputTokens": ("input_tokens_details", "cached_tokens")}[k]
    return (u.get(d[0]) or {}).get(d[1])

for (c, s), g in zip(read, got):
    bad = []
    def want(what, gv, sv):
        if gv != sv:
            bad.append("%s: bw-parse %s, SDK %s" % (what, json.dumps(gv), json.dumps(sv)))
    want("customId", g.get("customId"), c["id"])
    want("id of the capture", s["id"], c["id"])
    want("status", g.get("status"), "succeeded")
    if c["kind"] == "embeddings":
        want("keys", sorted(g), sorted(["customId", "status", "embedding"] +
             (["usage"] if s["usage"].get("tokens") is not None else [])))
        want("embedding", g.get("embedding"), s["embedding"])
        want("usage", g.get("usage"), {"tokens": s["usage"]["tokens"]}
             if s["usage"].get("tokens") is not None else None)
    elif c["kind"] == "images":
        want("keys", sorted(g), sorted(["customId", "status", "images"] +
             (["usage"] if s["usage"] else [])))
        want("images", g.get("images"), s["images"])
        want("usage", g.get("usage"), s["usage"] or None)
    else:
        ref = refusal_of(c["body"])
        allowed = {"customId", "status", "text", "finishReason", "toolCalls", "refusal", "usage"}
        if set(g) - allowed:
            bad.append("unexpected keys %s" % sorted(set(g) - allowed))
        want("text", g.get("text"), s["text"])
        want("finishReason", g.get("finishReason"), s["finishReason"])
        want("toolCalls", g.get("toolCalls", []), s["toolCalls"])
        if "toolCalls" in g and not g["toolCalls"]:
            bad.append("toolCalls present but empty")
        want("refusal", g.get("refusal"), ref)
        su, gu = s["usage"], g.get("usage")
        if not su:
            want("usage", gu, None)
        elif not isinstance(gu, dict):
            bad.append("no usage, SDK %s" % json.dumps(su))
        else:
            for k in ("inputTokens", "outputTokens", "totalTokens"):
                want("usage." + k, gu.get(k), su.get(k))
            for k in ("reasoningTokens", "cachedInputTokens"):
                rep = details(c["body"], k)
                want("usage.%s present as the body reports it" % k, k in gu, rep is not None)
                if k in gu or su.get(k):
                    want("usage." + k, gu.get(k), su.get(k))
    print(("FAIL %s: " % c["id"]) + "; ".join(bad) if bad else "PASS %s" % c["id"])
for c, g in zip(mod, got[len(read):]):
    bad = []
    def want(what, gv, sv):
        if gv != sv:
            bad.append("%s: bw-parse %s, facts %s" % (what, json.dumps(gv), json.dumps(sv)))
    want("customId", g.get("customId"), c["id"])
    want("keys", sorted(g), ["customId", "moderation", "status"])
    want("status", g.get("status"), "succeeded")
    want("moderation", g.get("moderation"), c["moderation"])
    print(("FAIL %s: " % c["id"]) + "; ".join(bad) if bad else "PASS %s" % c["id"])
E2
# structured output: the requests as bw-jsonl sends them, their replies
# read with --input, output as result.output, outputError where the SDK
# throws (of the same kind), and where a reply breaks its schema
# ("fits":false, which jsonSchema() does not check), outputError
for e in chat responses completions; do
	bw-jsonl -m gpt-4o-mini -e $e "$T/req.$e"
done >"$T/input.jsonl"
run bw-parse --input "$T/input.jsonl" "$T/text.jsonl"
exit_is 0 "--input: exit 0"
python3 - tests/sdk/results-in.jsonl tests/sdk/results.jsonl "$T/out" >>"$T/cmp" <<'E2'
import json, sys
ins = {c["id"]: c for c in map(json.loads, open(sys.argv[1], encoding='utf8'))}
sdk = {s["id"]: s for s in map(json.loads, open(sys.argv[2], encoding='utf8'))}
kinds = {
    "AI_NoObjectGeneratedError: No object generated: could not parse the response.":
        "the reply is not JSON: ",
    "AI_NoObjectGeneratedError: No object generated: response did not match schema.":
        "the reply does not match the schema: ",
    "AI_NoOutputGeneratedError: No output generated.": "no output: ",
}
n = 0
for g in map(json.loads, open(sys.argv[3], encoding='utf8')):
    c, s = ins[g["customId"]], sdk[g["customId"]]
    if "output" not in c:
        if "output" in g or "outputError" in g:
            print("FAIL output-%s: an output without asking" % c["id"])
        continue
    n += 1
    err = g.get("outputError", "")
    refused = g.get("refusal") is not None
    if c.get("fits") is False:
        ok = "output" not in g and err.startswith("the reply does not match the schema: ")
        want = "outputError: does not match the schema (the SDK, not checking, gave %s)" % json.dumps(s.get("output"))
    elif "outputError" in s:
        prefix = "no output: the model refused" if refused else kinds[s["outputError"]]
        ok = "output" not in g and err.startswith(prefix)
        want = "outputError %s... (SDK: %s)" % (prefix, s["outputError"])
    else:
        ok = "outputError" not in g and "output" in g and g["output"] == s["output"]
        want = "output %s" % json.dumps(s["output"])
    print("PASS output-%s" % c["id"] if ok else
          "FAIL output-%s: bw-parse %s, want %s" % (c["id"], json.dumps(
              {k: g[k] for k in ("output", "outputError") if k in g}), want))
if n < 25:
    print("FAIL output-count: only %d cases with output" % n)
E2
while read -r verdict id rest; do
	ok '[ "$verdict" = PASS ]' "as the AI SDK: ${id%:}"
	[ "$verdict" = PASS ] || echo "# $rest"
done <"$T/cmp"
ok '[ "$(grep -vc " output-" "$T/cmp")" -eq $(($(wc -l <tests/sdk/results-in.jsonl) +
    $(wc -l <tests/sdk/moderations-facts.jsonl) - $(wc -l <"$T/refused.ids"))) ] &&
    [ "$(wc -l <"$T/cmp")" -ge 64 ]' "every case read compared"

# what the SDK threw on, bw-parse refuses: no result, one message
while read -r i id; do
	run bw-parse "$T/refused.$i"
	exit_is 65 "as the AI SDK, refused: $id"
	out_empty "nothing on stdout: $id"
	ok '[ "$(wc -l <"$T/err")" -eq 1 ]' "one line on stderr: $id"
	err_like "^bw-parse: [^ ]*/refused\\.$i: line 1: response\\.body" \
	    "the message names the file and line: $id"
done <"$T/refused.ids"
ok '[ "$(wc -l <"$T/refused.ids")" -ge 3 ]' "the cases the SDK threw on checked"

done_testing
