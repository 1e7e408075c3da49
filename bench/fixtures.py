#!/usr/bin/env python3
"""bench/fixtures.py: fixtures and small helpers for bench/run (stdlib only).

  requests N FILE       N AI SDK requests of ~1 KB (system, prompt,
                        maxOutputTokens, temperature) for bw-jsonl
  results N FILE        N chat.completion result lines of ~2 KB for bw-parse
  batch N BYTES FILE    N batch input lines (chat, gpt-4o-mini) of about
                        BYTES/N bytes each, for bw-upload
  longcid N BYTES FILE  N short batch input lines whose custom_ids are so
                        long that the fake server's output file for them
                        is about BYTES bytes (its result text repeats the
                        custom_id), for bw-download
  same A B [EVERY]      exit 0 when the files have as many lines and every
                        EVERY-th line (and the last) is equal as JSON
  field KEY FILE        the string KEY of the first JSON line of FILE
  event BATCH_ID FILE   a batch.completed webhook event
  sign SECRET ID TS FILE  the webhook-signature of FILE (Standard Webhooks)
  median                the median of the numbers on stdin, one a line

Everything is generated from a fixed seed, so runs compare alike.
"""

import base64
import hashlib
import hmac
import json
import random
import statistics
import sys

WORDS = ("the a of to and in is that for it as with was on be by at this "
         "batch request model token answer question summary data table row "
         "column value result error retry window file upload output input "
         "system prompt user assistant message content temperature budget "
         "latency throughput memory parser stream buffer line record field "
         "customer invoice order shipping return refund policy account "
         "please explain briefly carefully why how what when where which "
         "café naïve résumé Zürich São Paulo 東京 データ 🙂").split()


def prose(rng, n):
    """About n characters of prose, with the odd quote, newline and tab."""
    out, size = [], 0
    while size < n:
        w = rng.choice(WORDS)
        r = rng.random()
        if r < 0.01:
            w = '"%s"' % w
        elif r < 0.02:
            w += ".\n"
        elif r < 0.025:
            w += "\t"
        elif r < 0.08:
            w += ","
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


POOL = {}


def text(rng, n):
    """n characters of prose, cut from a 1 MB pool at a random place."""
    pool = POOL.get(id(rng))
    if pool is None:
        pool = POOL[id(rng)] = prose(rng, 1 << 20)
    o = rng.randrange(len(pool) - n)
    return pool[o:o + n]


def dumps(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


def requests(n, path):
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(dumps({
                "customId": "req-%06d" % i,
                "system": text(rng, 250),
                "prompt": text(rng, 620),
                "maxOutputTokens": rng.choice((64, 128, 256, 512, 1024)),
                "temperature": rng.choice((0, 0.2, 0.5, 0.7, 1, 1.3)),
            }) + "\n")


def hexid(rng, n=32):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def alnum(rng, n):
    s = base64.b64encode(rng.randbytes(n)).decode()
    return s.translate(str.maketrans("+/", "xy"))[:n]


def results(n, path):
    rng = random.Random(2)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            pt, ct = rng.randint(50, 900), rng.randint(20, 600)
            f.write(dumps({
                "id": "batch_req_" + hexid(rng),
                "custom_id": "req-%06d" % i,
                "response": {
                    "status_code": 200,
                    "request_id": "req_" + hexid(rng),
                    "body": {
                        "id": "chatcmpl-" + alnum(rng, 29),
                        "object": "chat.completion",
                        "created": 1764150000 + i,
                        "model": "gpt-4o-mini-2024-07-18",
                        "choices": [{
                            "index": 0,
                            "message": {"role": "assistant",
                                        "content": text(rng, 1350),
                                        "refusal": None, "annotations": []},
                            "logprobs": None, "finish_reason": "stop"}],
                        "usage": {
                            "prompt_tokens": pt, "completion_tokens": ct,
                            "total_tokens": pt + ct,
                            "prompt_tokens_details": {"cached_tokens": 0,
                                                      "audio_tokens": 0},
                            "completion_tokens_details": {
                                "reasoning_tokens": 0, "audio_tokens": 0,
                                "accepted_prediction_tokens": 0,
                                "rejected_prediction_tokens": 0}},
                        "service_tier": "default",
                        "system_fingerprint": "fp_" + hexid(rng, 10)}},
                "error": None}) + "\n")


def batch_line(cid, system, prompt, mot, temp):
    return dumps({"custom_id": cid, "method": "POST",
                  "url": "/v1/chat/completions",
                  "body": {"model": "gpt-4o-mini", "max_tokens": mot,
                           "temperature": temp,
                           "messages": [{"role": "system", "content": system},
                                        {"role": "user", "content": prompt}]}
                  }) + "\n"


def batch(n, total, path):
    rng = random.Random(3)
    per = total // n
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            base = len(batch_line("req-%06d" % i, "", "", 256, 0.7)
                       .encode("utf-8"))
            room = per - base
            system = text(rng, room // 5)
            prompt = text(rng, room)
            line = batch_line("req-%06d" % i, system, prompt, 256, 0.7)
            # prose has multi-byte letters and escapes: trim once
            over = len(line.encode("utf-8")) - per
            if over > 0:
                line = batch_line("req-%06d" % i, system, prompt[:-over],
                                  256, 0.7)
            f.write(line)


def longcid(n, total, path):
    rng = random.Random(4)
    # a fake output line is about 700 bytes plus the custom_id twice
    cidlen = max(16, (total // n - 700) // 2)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            cid = "dl-%06d-%s" % (i, alnum(rng, cidlen - 10))
            f.write(batch_line(cid, "Be brief.", "Say ok.", 16, 0))


def same(a, b, every=10):
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        la, lb = fa.readlines(), fb.readlines()
    if len(la) != len(lb):
        print("%s has %d lines, %s %d" % (a, len(la), b, len(lb)))
        return 1
    idx = sorted(set(range(0, len(la), every)) | {len(la) - 1})
    for i in idx:
        if json.loads(la[i]) != json.loads(lb[i]):
            print("line %d differs:\n  %s  %s" % (i + 1, la[i][:300],
                                                 lb[i][:300]))
            return 1
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "requests":
        requests(int(argv[2]), argv[3])
    elif cmd == "results":
        results(int(argv[2]), argv[3])
    elif cmd == "batch":
        batch(int(argv[2]), int(argv[3]), argv[4])
    elif cmd == "longcid":
        longcid(int(argv[2]), int(argv[3]), argv[4])
    elif cmd == "same":
        return same(argv[2], argv[3], int(argv[4]) if len(argv) > 4 else 10)
    elif cmd == "field":
        with open(argv[3], encoding="utf-8") as f:
            print(json.loads(f.readline())[argv[2]])
    elif cmd == "event":
        with open(argv[3], "w") as f:
            f.write(json.dumps({"id": "evt_" + "0" * 32, "object": "event",
                                "type": "batch.completed",
                                "created_at": 1764150000,
                                "data": {"id": argv[2]}}))
    elif cmd == "sign":
        secret, wid, ts, path = argv[2:6]
        key = (base64.b64decode(secret[6:]) if secret.startswith("whsec_")
               else secret.encode())
        with open(path, "rb") as f:
            body = f.read()
        mac = hmac.new(key, b"%s.%s.%s" % (wid.encode(), ts.encode(), body),
                       hashlib.sha256).digest()
        print("v1," + base64.b64encode(mac).decode())
    elif cmd == "median":
        xs = [float(x) for x in sys.stdin.read().split()]
        print("%.6f" % statistics.median(xs) if xs else "nan")
    else:
        sys.exit("fixtures.py: unknown command " + cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
