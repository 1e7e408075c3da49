#!/bin/sh
# bw-parse against the AI SDK: tests/sdk/results-in.jsonl holds result
# bodies, tests/sdk/results.jsonl what ai 7 with @ai-sdk/openai 4 read
# from each (generateText for chat, responses and completions, embed for
# embeddings; tests/sdk/results.mjs made it, node is not needed here).
# Each body, wrapped as a batch output line, must give the SDK's text,
# finishReason, toolCalls, usage (reasoningTokens and cachedInputTokens
# when the body reports them) and embedding, field by field.
. tests/lib.sh

python3 - tests/sdk/results-in.jsonl >"$T/in.jsonl" <<'E2'
import json, sys
for i, l in enumerate(open(sys.argv[1], encoding='utf8')):
    c = json.loads(l)
    print(json.dumps({"id": "batch_req_%d" % i, "custom_id": c["id"],
        "response": {"status_code": 200, "request_id": "req_%d" % i,
        "body": c["body"]}, "error": None}))
E2
run bw-parse "$T/in.jsonl"
exit_is 0 "every case: exit 0"
err_empty "nothing on stderr"

python3 - tests/sdk/results-in.jsonl tests/sdk/results.jsonl "$T/out" >"$T/cmp" <<'E2'
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1], encoding='utf8')]
sdk = [json.loads(l) for l in open(sys.argv[2], encoding='utf8')]
got = [json.loads(l) for l in open(sys.argv[3], encoding='utf8')]
if not (len(ins) == len(sdk) == len(got)):
    print("FAIL counts: %d cases, %d captured, %d results" % (len(ins), len(sdk), len(got)))
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

for c, s, g in zip(ins, sdk, got):
    bad = []
    def want(what, gv, sv):
        if gv != sv:
            bad.append("%s: bw-parse %s, SDK %s" % (what, json.dumps(gv), json.dumps(sv)))
    want("customId", g.get("customId"), c["id"])
    want("id of the capture", s["id"], c["id"])
    want("status", g.get("status"), "succeeded")
    if "error" in s:
        bad.append("the SDK threw: " + s["error"])
    elif c["kind"] == "embeddings":
        want("keys", sorted(g), sorted(["customId", "status", "embedding"] +
             (["usage"] if s["usage"].get("tokens") is not None else [])))
        want("embedding", g.get("embedding"), s["embedding"])
        want("usage", g.get("usage"), {"tokens": s["usage"]["tokens"]}
             if s["usage"].get("tokens") is not None else None)
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
E2
while read -r verdict id rest; do
	ok '[ "$verdict" = PASS ]' "as the AI SDK: ${id%:}"
	[ "$verdict" = PASS ] || echo "# $rest"
done <"$T/cmp"
ok '[ "$(wc -l <"$T/cmp")" -eq "$(wc -l <tests/sdk/results-in.jsonl)" ] && [ "$(wc -l <"$T/cmp")" -ge 28 ]' \
	"every captured case compared"

done_testing
