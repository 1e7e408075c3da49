#!/usr/bin/env python3
"""fake-openai.py: a faithful fake of the OpenAI Files and Batch API, for tests.

Usage: tests/fake-openai.py --port-file FILE [--dir DIR] [--steps K] [--verbose]

Binds 127.0.0.1 on a free port, writes "PORT\\n" to FILE (via FILE.tmp and a
rename) once listening, and serves until SIGTERM or SIGINT, then exits 0.
Standard library only.  See the comments at the handlers for the API, and
POST /__control, GET /__log for the test controls.

Batches advance one step per `GET /v1/batches/{id}` (K GETs per step with
--steps K or {"steps":K}): validating -> in_progress -> finalizing -> terminal,
or validating -> failed for the "failed" scenario, or cancelling -> cancelled.
No wall clock is involved in the progress, unless "pace" is set:

  {"pace": S}  (a number >= 0 of seconds, or null: off, the default).  The
      batches then advance by the wall clock instead of per GET: at every
      look at a batch (GET /v1/batches/{id}; GET /v1/batches, which brings
      every batch up to date before making its page; POST
      /v1/batches/{id}/cancel, before it cancels) the batch takes one step
      for every S seconds since its last step (or its creation), several at
      once if need be; S = 0 takes every step at the first look.  "steps"
      does not apply then.  Without pace the list advances nothing.
      --pace S sets it from the start.
  {"token_limit": N}  (an integer >= 1, or null: none, the default).  The
      organization's enqueued-token limit, per model.  A batch's tokens are
      the sum over its requests of ceil(bytes of the compact JSON of the
      body / 4).  When a batch leaves validating, if its tokens plus those
      of the other batches of its model in_progress, finalizing or
      cancelling exceed N, it goes to failed with the error
      token_limit_exceeded (no files, counts 0).
  {"expire_next": N}  (an integer >= 0, default 0): the next N batches
      created get the "expired" scenario, whatever the scenario in force.

The "invalid" scenario fails a batch's validation (validating -> failed,
no files, counts 0) with two errors: {"code": "invalid_request_file",
"line": null} and {"code": "invalid_value", "line": 2} (the "failed"
scenario's error is token_limit_exceeded).

In every scenario a request whose custom_id contains "retry500" (or
"retry429") fails the first time it runs, since the start or the last
POST /__control/reset, with a 500 server_error (a 429 rate_limit_exceeded)
in the error file, and goes as the scenario says the times after.  A request
"runs" when it gets a result other than batch_expired or batch_cancelled.
In the expired scenario and when cancelled, the first n // 2 of n requests
run and the rest are expired (cancelled): a batch of one expires its one.

GET /__stats counts what the server received and made (no batch advances):
  {"requests": {"METHOD /v1/route/{id}": n, ...},  every request to /v1/...
       (the ones the log records: errors, faults, 401s included), by route
       template; the nine routes of the API are always there, others appear
       as "METHOD PATH";
   "files": {"FILENAME": n},  uploads (purpose batch) stored under that name;
   "batches": [{"id", "input_file_id", "metadata", "status", "tokens",
       "error_code" (errors.data[0].code or null), "requests" (lines)}, ...]
       every batch, oldest first;
   "in_flight_tokens": {"MODEL": tokens of its batches in_progress,
       finalizing or cancelling}, every model of a batch (0 when idle)}.
POST /__stats/clear zeroes "requests" and "files"; POST /__control/reset
does too (it forgets no file and no batch).
"""

import argparse
import hashlib
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import string
import struct
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ALNUM = string.ascii_letters + string.digits
ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/completions",
             "/v1/embeddings", "/v1/images/generations", "/v1/images/edits",
             "/v1/moderations")
SCENARIOS = ("ok", "some_fail", "all_fail", "expired", "failed", "invalid")
# File content faults: "short" answers 200 with only the first `bytes`
# bytes; "lie_length" sends the whole body under a Content-Length `bytes`
# too small; "changed" serves the file's lines in reverse order (another
# body, another ETag: If-Range then gets the whole of it); "corrupt"
# serves it with the byte at `at` (default 1) made `byte` (default "x"),
# the length unchanged; "empty"
# answers `code` (204) with no body.  Content carries an ETag and honours
# If-Range.
# Time faults: "trickle" answers as usual but sends the body `bytes`
# bytes (default 2) a second; "silent" takes the request and never
# answers (for `seconds`, default 3600, then closes).
# A "status" fault may name the error's "error_code" and "error_type"
# (429 insufficient_quota).
FAULT_KINDS = ("status", "reset", "cut", "after", "redirect", "slow",
               "bad_id", "no_range", "garbage", "short", "lie_length",
               "changed", "corrupt", "empty", "trickle", "silent")
TERMINAL = ("completed", "failed", "expired", "cancelled")
IN_FLIGHT = ("in_progress", "finalizing", "cancelling")  # tokens enqueued
# the routes GET /__stats counts, always listed
ROUTES = ("POST /v1/files", "GET /v1/files", "GET /v1/files/{id}",
          "GET /v1/files/{id}/content", "DELETE /v1/files/{id}",
          "POST /v1/batches", "GET /v1/batches", "GET /v1/batches/{id}",
          "POST /v1/batches/{id}/cancel")
MAX_LINES = 50000
MAX_EMBEDDING_INPUTS = 50000    # across a batch's requests


def alnum(n):
    return "".join(secrets.choice(ALNUM) for _ in range(n))


_rand = random.Random()  # seeded from os.urandom; ids, not secrets


def hexid():
    # 32 hex digits, as secrets.token_hex(16) gives, at a tenth of the cost
    # (three a result line)
    return "%032x" % _rand.getrandbits(128)


def now():
    return int(time.time())


def route_template(path):
    """/v1/files/file-abc/content -> /v1/files/{id}/content"""
    m = re.fullmatch(r"/v1/(files|batches)/[^/]+(/content|/cancel)?", path)
    if m:
        return "/v1/%s/{id}%s" % (m.group(1), m.group(2) or "")
    return path


class ApiError(Exception):
    """An error answered with the OpenAI error envelope."""

    def __init__(self, status, message, type_="invalid_request_error",
                 param=None, code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self):
        return {"error": {"message": self.message, "type": self.type,
                          "param": self.param, "code": self.code}}


class BadFraming(Exception):
    """The request body could not be read (bad chunked encoding, ...)."""


# --------------------------------------------------------------------------
# State

class State:
    def __init__(self, directory, steps):
        self.dir = directory
        self.default_steps = steps
        self.lock = threading.RLock()
        # id -> {"meta": File object, "path", "requests": [(custom_id,
        # model)] or None, "url", "tokens"}
        self.files = {}
        self.batches = {}      # id -> internal batch record
        self.batch_order = []  # ids, oldest first
        self.log = []
        self.retried = set()   # custom_ids that had their retry500/429
        self.reset_control()

    def reset_control(self):
        self.control = {"scenario": "ok", "steps": self.default_steps,
                        "faults": [], "pace": None, "token_limit": None,
                        "expire_next": 0}
        self.retried = set()
        self.clear_stats()

    def clear_stats(self):
        self.counts = dict.fromkeys(ROUTES, 0)  # "METHOD /route" -> n
        self.uploads = {}                       # filename -> n

    def count(self, method, path):
        key = method + " " + route_template(path)
        self.counts[key] = self.counts.get(key, 0) + 1

    def stats(self):
        batches = []
        flight = {}
        for bid in self.batch_order:
            b = self.batches[bid]
            obj = b["obj"]
            errs = obj["errors"]
            batches.append({
                "id": bid, "input_file_id": obj["input_file_id"],
                "metadata": obj["metadata"], "status": obj["status"],
                "tokens": b["tokens"],
                "error_code": errs["data"][0]["code"]
                if errs and errs.get("data") else None,
                "requests": len(b["requests"])})
            flight.setdefault(obj["model"], 0)
            if obj["status"] in IN_FLIGHT:
                flight[obj["model"]] += b["tokens"]
        return {"requests": self.counts, "files": self.uploads,
                "batches": batches, "in_flight_tokens": flight}

    # ---- files

    def new_file(self, path, size, filename, purpose, upload=None):
        """Move the file at path into place under a new id and record it;
        upload = (requests, url, tokens) for a batch input file."""
        fid = "file-" + alnum(24)
        dest = os.path.join(self.dir, fid)
        os.replace(path, dest)
        meta = {"id": fid, "object": "file", "bytes": size,
                "created_at": now(), "filename": filename, "purpose": purpose,
                "status": "processed", "expires_at": None,
                "status_details": None}
        reqs, url, tokens = upload or (None, None, 0)
        self.files[fid] = {"meta": meta, "path": dest, "requests": reqs,
                           "url": url, "tokens": tokens}
        if upload is not None:
            self.uploads[filename] = self.uploads.get(filename, 0) + 1
        return meta

    def add_file(self, data, filename, purpose, upload=None):
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix="new.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return self.new_file(tmp, len(data), filename, purpose, upload)

    def get_file(self, fid):
        f = self.files.get(fid)
        if f is None:
            raise ApiError(404, "No such File object: %s" % fid,
                           param="id", code=None)
        return f

    # ---- batches

    def get_batch(self, bid):
        b = self.batches.get(bid)
        if b is None:
            raise ApiError(404, "No batch found with id '%s'." % bid,
                           param=None, code=None)
        return b

    def create_batch(self, req):
        if not isinstance(req, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        fid = req.get("input_file_id")
        if not isinstance(fid, str) or not fid:
            raise ApiError(400, "Missing required parameter: 'input_file_id'.",
                           param="input_file_id", code="missing_required_parameter")
        endpoint = req.get("endpoint")
        if endpoint is None:
            raise ApiError(400, "Missing required parameter: 'endpoint'.",
                           param="endpoint", code="missing_required_parameter")
        if endpoint not in ENDPOINTS:
            raise ApiError(400, "Invalid value for 'endpoint': must be one of %s."
                           % ", ".join(ENDPOINTS), param="endpoint",
                           code="invalid_value")
        cw = req.get("completion_window")
        if cw is None:
            raise ApiError(400, "Missing required parameter: 'completion_window'.",
                           param="completion_window",
                           code="missing_required_parameter")
        if cw != "24h":
            raise ApiError(400, "Invalid value for 'completion_window': "
                           "only '24h' is supported.",
                           param="completion_window", code="invalid_value")
        md = req.get("metadata")
        if md is not None:
            if not isinstance(md, dict):
                raise ApiError(400, "Invalid type for 'metadata': expected an object.",
                               param="metadata", code="invalid_type")
            if len(md) > 16:
                raise ApiError(400, "Invalid 'metadata': too many properties "
                               "(%d); at most 16 are allowed." % len(md),
                               param="metadata", code="object_above_max_properties")
            for k, v in md.items():
                if len(k) > 64:
                    raise ApiError(400, "Invalid 'metadata': a key is longer "
                                   "than 64 characters.", param="metadata",
                                   code="invalid_value")
                if not isinstance(v, str):
                    raise ApiError(400, "Invalid type for 'metadata.%s': "
                                   "expected a string." % k[:64],
                                   param="metadata", code="invalid_type")
                if len(v) > 512:
                    raise ApiError(400, "Invalid 'metadata.%s': the value is "
                                   "longer than 512 characters." % k[:64],
                                   param="metadata", code="invalid_value")
        oea = req.get("output_expires_after")
        if oea is not None:
            if not isinstance(oea, dict):
                raise ApiError(400, "Invalid type for 'output_expires_after': "
                               "expected an object.",
                               param="output_expires_after",
                               code="invalid_type")
            oea = check_expiry(oea.get("anchor"), oea.get("seconds"),
                               "output_expires_after")
        f = self.files.get(fid)
        if f is None:
            raise ApiError(404, "No such File object: %s" % fid,
                           param="input_file_id", code=None)
        if f["meta"]["purpose"] != "batch" or f["requests"] is None:
            raise ApiError(400, "The input file %s does not have purpose "
                           "'batch'." % fid, param="input_file_id",
                           code="invalid_value")
        url = f["url"]
        if url != endpoint:
            raise ApiError(400, "The endpoint %s does not match the url %s "
                           "of the requests in the input file." % (endpoint, url),
                           param="endpoint", code="invalid_value")
        bid = "batch_" + alnum(24)
        t = now()
        obj = {
            "id": bid, "object": "batch", "endpoint": endpoint,
            "errors": None, "input_file_id": fid, "completion_window": "24h",
            "status": "validating", "output_file_id": None,
            "error_file_id": None, "created_at": t, "in_progress_at": None,
            "expires_at": t + 86400, "finalizing_at": None,
            "completed_at": None, "failed_at": None, "expired_at": None,
            "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": md,
            "model": f["requests"][0][1],
            "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
        }
        scenario = self.control["scenario"]
        if self.control.get("expire_next", 0) > 0:
            self.control["expire_next"] -= 1
            scenario = "expired"
        made = time.monotonic()
        # outcome: (output path, lines, error path, lines) once it has run;
        # last: when it took its last step (for pace)
        self.batches[bid] = {"obj": obj, "scenario": scenario,
                             "gets": 0, "outcome": None,
                             "made": made, "last": made,
                             "requests": f["requests"], "url": url,
                             "tokens": f["tokens"],
                             # seconds its files live (the Batch object
                             # does not carry it), or None
                             "output_expires_after": oea}
        self.batch_order.append(bid)
        return obj

    def run(self, b, mode):
        """Run the requests, mode "normal", "expired" or "cancelled": write
        the result lines to two files, one json.dumps a line; return
        (output path or None, its lines, error path or None, its lines)."""
        reqs = b["requests"]
        scen = b["scenario"]
        url = b["url"]
        half = len(reqs) // 2
        paths, fhs, n = [], [], [0, 0]
        for _ in range(2):
            fd, p = tempfile.mkstemp(dir=self.dir, prefix="run.")
            paths.append(p)
            fhs.append(os.fdopen(fd, "w", encoding="utf-8",
                                 buffering=1 << 20))
        out, err = fhs

        def put(i, x):
            fhs[i].write(json.dumps(x))
            fhs[i].write("\n")
            n[i] += 1
        try:
            for i, (cid, model, *emb) in enumerate(reqs):
                if mode != "normal" and i >= half:
                    if mode == "expired":
                        e = {"code": "batch_expired", "message": "This request "
                             "could not be executed before the completion "
                             "window expired."}
                    else:
                        e = {"code": "batch_cancelled", "message": "This "
                             "request was not executed because the batch was "
                             "cancelled."}
                    put(1, {"id": "batch_req_" + hexid(), "custom_id": cid,
                            "response": None, "error": e})
                    continue
                retry = None
                if cid not in self.retried:
                    if "retry500" in cid:
                        retry = (500, {"message": "The server had an error "
                                       "while processing your request.",
                                       "type": "server_error", "param": None,
                                       "code": None})
                    elif "retry429" in cid:
                        retry = (429, {"message": "Rate limit reached for "
                                       "requests.", "type": "requests",
                                       "param": None,
                                       "code": "rate_limit_exceeded"})
                if retry:
                    self.retried.add(cid)
                    put(1, {"id": "batch_req_" + hexid(), "custom_id": cid,
                            "response": {"status_code": retry[0],
                                         "request_id": "req_" + hexid(),
                                         "body": {"error": retry[1]}},
                            "error": None})
                elif scen == "all_fail" or (scen == "some_fail"
                                            and "fail" in cid):
                    put(1, {"id": "batch_req_" + hexid(), "custom_id": cid,
                            "response": {"status_code": 400,
                                         "request_id": "req_" + hexid(),
                                         "body": {"error": {
                                             "message": "Invalid request for %s." % cid,
                                             "type": "invalid_request_error",
                                             "param": None,
                                             "code": "invalid_value"}}},
                            "error": None})
                else:
                    put(0, {"id": "batch_req_" + hexid(), "custom_id": cid,
                            "response": {"status_code": 200,
                                         "request_id": "req_" + hexid(),
                                         "body": result_body(cid, model, url,
                                                             emb)},
                            "error": None})
        finally:
            for fh in fhs:
                fh.close()
        for i in (0, 1):
            if not n[i]:
                os.unlink(paths[i])
                paths[i] = None
        return paths[0], n[0], paths[1], n[1]

    def finish_files(self, b):
        obj = b["obj"]
        bid = obj["id"]
        opath, nout, epath, nerr = b["outcome"]
        if opath:
            obj["output_file_id"] = self.new_file(
                opath, os.path.getsize(opath), "%s_output.jsonl" % bid,
                "batch_output")["id"]
        if epath:
            obj["error_file_id"] = self.new_file(
                epath, os.path.getsize(epath), "%s_error.jsonl" % bid,
                "batch_output")["id"]
        secs = b.get("output_expires_after")  # the files it makes expire
        for fid in (obj["output_file_id"], obj["error_file_id"]):
            if secs and fid in self.files:
                meta = self.files[fid]["meta"]
                meta["expires_at"] = meta["created_at"] + secs
        b["outcome"] = (None, nout, None, nerr)
        obj["request_counts"] = {"total": nout + nerr,
                                 "completed": nout, "failed": nerr}
        k = nout
        obj["usage"] = {"input_tokens": 10 * k, "output_tokens": 2 * k,
                        "total_tokens": 12 * k,
                        "input_tokens_details": {"cached_tokens": 0},
                        "output_tokens_details": {"reasoning_tokens": 0}}

    def over_limit(self, b):
        """Would b, leaving validating, pass the enqueued-token limit?"""
        limit = self.control.get("token_limit")
        if limit is None:
            return False
        model = b["obj"]["model"]
        queued = sum(x["tokens"] for x in self.batches.values()
                     if x is not b and x["obj"]["model"] == model
                     and x["obj"]["status"] in IN_FLIGHT)
        return b["tokens"] + queued > limit

    def advance(self, b):
        """A GET of the batch: a step every `steps` GETs, or as the pace
        says."""
        if self.control.get("pace") is not None:
            self.catch_up(b)
            return
        obj = b["obj"]
        if obj["status"] in TERMINAL:
            return
        b["gets"] += 1
        steps = max(1, int(self.control.get("steps") or 1))
        if b["gets"] < steps:
            return
        b["gets"] = 0
        b["last"] = time.monotonic()
        self.step(b)

    def catch_up(self, b):
        """With a pace, take the steps the time since the last one owes."""
        pace = self.control.get("pace")
        if pace is None:
            return
        t = time.monotonic()
        while b["obj"]["status"] not in TERMINAL:
            if pace > 0:
                if t - b["last"] < pace:
                    break
                b["last"] += pace
            else:
                b["last"] = t
            self.step(b)

    def step(self, b):
        """One step of the batch's life."""
        obj = b["obj"]
        st = obj["status"]
        t = now()
        n = len(b["requests"])
        if st == "cancelling":
            b["outcome"] = self.run(b, "cancelled")
            self.finish_files(b)
            obj["status"] = "cancelled"
            obj["cancelled_at"] = t
        elif st == "validating":
            if b["scenario"] == "failed":
                obj["status"] = "failed"
                obj["failed_at"] = t
                obj["errors"] = {"object": "list", "data": [{
                    "code": "token_limit_exceeded",
                    "message": "Enqueued token limit reached for gpt-4o-mini "
                               "in organization org-x.",
                    "param": None, "line": None}]}
            elif b["scenario"] == "invalid":
                obj["status"] = "failed"
                obj["failed_at"] = t
                obj["errors"] = {"object": "list", "data": [
                    {"code": "invalid_request_file",
                     "message": "The input file is not valid.",
                     "param": None, "line": None},
                    {"code": "invalid_value",
                     "message": "Line 2: the request's body is not valid.",
                     "param": "body", "line": 2}]}
            elif self.over_limit(b):
                obj["status"] = "failed"
                obj["failed_at"] = t
                obj["request_counts"] = {"total": 0, "completed": 0,
                                         "failed": 0}
                obj["errors"] = {"object": "list", "data": [{
                    "code": "token_limit_exceeded",
                    "message": "Enqueued token limit reached for %s in "
                               "organization org-fake. Limit: %d enqueued "
                               "tokens. Please try again once some "
                               "in_progress batches have been completed."
                               % (obj["model"], self.control["token_limit"]),
                    "param": None, "line": None}]}
            else:
                obj["status"] = "in_progress"
                obj["in_progress_at"] = t
                obj["request_counts"] = {"total": n, "completed": 0, "failed": 0}
        elif st == "in_progress":
            mode = "expired" if b["scenario"] == "expired" else "normal"
            b["outcome"] = self.run(b, mode)
            _, nout, _, nerr = b["outcome"]
            obj["status"] = "finalizing"
            obj["finalizing_at"] = t
            obj["request_counts"] = {"total": n, "completed": nout,
                                     "failed": nerr}
        elif st == "finalizing":
            self.finish_files(b)
            if b["scenario"] == "expired":
                obj["status"] = "expired"
                obj["expired_at"] = t
            else:
                obj["status"] = "completed"
                obj["completed_at"] = t

    def cancel(self, b):
        self.catch_up(b)
        obj = b["obj"]
        if obj["status"] in TERMINAL:
            raise ApiError(409, "Cannot cancel a batch with status '%s'."
                           % obj["status"], code=None)
        if obj["status"] != "cancelling":
            obj["status"] = "cancelling"
            obj["cancelling_at"] = now()
            b["gets"] = 0
            b["last"] = time.monotonic()
        return obj

    def list_batches(self, query):
        q = parse_qs(query, keep_blank_values=True)
        limit = 20
        if "limit" in q:
            try:
                limit = int(q["limit"][-1])
            except ValueError:
                limit = -1
            if not 1 <= limit <= 100:
                raise ApiError(400, "Invalid 'limit': must be an integer "
                               "between 1 and 100.", param="limit",
                               code="invalid_value")
        if self.control.get("pace") is not None:
            for i in self.batch_order:
                self.catch_up(self.batches[i])
        ids = list(reversed(self.batch_order))
        lag = self.control.get("list_lag") or 0
        if lag:  # a list that shows a new batch only lag seconds later
            t = time.monotonic()
            ids = [i for i in ids if t - self.batches[i]["made"] >= lag]
        if "after" in q:
            after = q["after"][-1]
            ids = ids[ids.index(after) + 1:] if after in ids else []
        page = ids[:limit]
        data = [self.batches[i]["obj"] for i in page]
        return {"object": "list", "data": data,
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
                "has_more": len(ids) > limit}

    # ---- control

    def set_control(self, req):
        if not isinstance(req, dict):
            raise ApiError(400, "control: expected a JSON object")
        new = dict(self.control)
        for k, v in req.items():
            if k == "scenario":
                if v not in SCENARIOS:
                    raise ApiError(400, "control: unknown scenario %r" % (v,))
                new[k] = v
            elif k == "steps":
                if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                    raise ApiError(400, "control: steps must be an integer >= 1")
                new[k] = v
            elif k == "pace":
                if v is not None and (not isinstance(v, (int, float))
                                      or isinstance(v, bool) or v < 0):
                    raise ApiError(400, "control: pace must be a number "
                                   ">= 0 (seconds) or null")
                new[k] = v
            elif k == "token_limit":
                if v is not None and (not isinstance(v, int)
                                      or isinstance(v, bool) or v < 1):
                    raise ApiError(400, "control: token_limit must be an "
                                   "integer >= 1 or null")
                new[k] = v
            elif k == "expire_next":
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    raise ApiError(400, "control: expire_next must be an "
                                   "integer >= 0")
                new[k] = v
            elif k == "list_lag":
                if not isinstance(v, (int, float)) or isinstance(v, bool) \
                        or v < 0:
                    raise ApiError(400, "control: list_lag must be a number "
                                   ">= 0 (seconds)")
                new[k] = v
            elif k == "faults":
                if not isinstance(v, list):
                    raise ApiError(400, "control: faults must be a list")
                faults = []
                for fl in v:
                    if not isinstance(fl, dict):
                        raise ApiError(400, "control: a fault must be an object")
                    fl = dict(fl)
                    if fl.get("kind") not in FAULT_KINDS:
                        raise ApiError(400, "control: unknown fault kind %r"
                                       % (fl.get("kind"),))
                    try:
                        re.compile(fl.get("path", ""))
                    except (re.error, TypeError) as e:
                        raise ApiError(400, "control: bad path regex: %s" % e)
                    fl.setdefault("path", "")
                    fl.setdefault("times", 1)
                    fl.setdefault("skip", 0)
                    faults.append(fl)
                new[k] = faults
            else:
                raise ApiError(400, "control: unknown key %r" % (k,))
        self.control = new
        return new

    def take_fault(self, method, path):
        for fl in self.control["faults"]:
            if fl.get("method") and fl["method"].upper() != method:
                continue
            if not re.search(fl["path"], path):
                continue
            if fl["times"] == 0:
                continue
            if fl.get("skip", 0) > 0:
                fl["skip"] -= 1
                return None
            if fl["times"] > 0:
                fl["times"] -= 1
            if fl["times"] == 0:
                self.control["faults"] = [x for x in self.control["faults"]
                                          if x is not fl]
            return fl
        return None


def embeddings_body(cid, model, tokens, dims):
    """An embeddings reply as the API writes one: an embedding a input, of
    the model's dimensions (or the body's), unit length, the same for the
    same custom_id; usage counts the input's tokens."""
    if dims is None:
        dims = 3072 if model == "text-embedding-3-large" else 1536
    data = []
    for i in range(len(tokens)):
        rnd = random.Random("%s/%d" % (cid, i))
        v = [rnd.uniform(-1, 1) for _ in range(dims)]
        norm = sum(x * x for x in v) ** 0.5 or 1.0
        data.append({"object": "embedding", "index": i,
                     "embedding": [round(x / norm, 9) for x in v]})
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": sum(tokens),
                      "total_tokens": sum(tokens)}}


def structured(body):
    """The structured output a text body asks for: its JSON Schema, {}
    for json_object, or None."""
    f = body.get("response_format")
    if not isinstance(f, dict):
        f = (body.get("text") or {}).get("format") \
            if isinstance(body.get("text"), dict) else None
    if not isinstance(f, dict):
        return None
    if f.get("type") == "json_object":
        return {}
    if f.get("type") == "json_schema":
        s = (f.get("json_schema") or {}).get("schema", f.get("schema"))
        return s if isinstance(s, dict) else {}
    return None


def instance(s, root, depth=0):
    """A value that fits the JSON Schema s (the first of each choice, the
    fewest items, every property): what a model in strict mode writes."""
    if depth > 16 or not isinstance(s, dict):
        return None
    if "$ref" in s:
        t = root
        for k in s["$ref"].lstrip("#/").split("/"):
            if k:
                t = t.get(k.replace("~1", "/").replace("~0", "~"), {})
        return instance(t, root, depth + 1)
    if "const" in s:
        return s["const"]
    if s.get("enum"):
        return s["enum"][0]
    for k in ("anyOf", "oneOf"):
        if s.get(k):
            return instance(s[k][0], root, depth + 1)
    if s.get("allOf"):
        return instance(s["allOf"][0], root, depth + 1)
    t = s.get("type")
    t = t[0] if isinstance(t, list) and t else t
    if t == "object" or "properties" in s:
        return {k: instance(v, root, depth + 1)
                for k, v in (s.get("properties") or {}).items()}
    if t == "array":
        return [instance(s.get("items", {}), root, depth + 1)
                for _ in range(s.get("minItems", 1))]
    if t == "integer":
        return max(1, s.get("minimum", 1))
    if t == "number":
        return s.get("minimum", 1.5)
    if t == "boolean":
        return True
    if t == "null":
        return None
    return "x" * max(1, s.get("minLength", 1))


def structured_text(cid, schema):
    """The reply to a request for structured output: an instance of its
    schema ({"id": cid} for json_object); a custom_id with "notjson" in
    it gets text that is not JSON, one with "misfit" a value of the
    wrong kind."""
    if "notjson" in cid:
        return "Sure! Here it is: {"
    if "misfit" in cid:
        return json.dumps([cid])
    if not schema:
        return json.dumps({"id": cid})
    return json.dumps(instance(schema, schema), separators=(",", ":"))


# the image of every images reply, a white 1x1 pixel in the format
# asked (png when none is; libjpeg and libwebp made the jpeg and webp)
IMAGES_B64 = {
    "png": ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8Dw"
            "HwAFAAH/iZk9HQAAAABJRU5ErkJggg=="),
    "gif": "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==",
    "webp": "UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAfQ//73v/+BiOh/AAA=",
    "jpeg": (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR"
    "0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/wAALCAABAAEB"
    "AREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAw"
    "UFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcY"
    "GRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhI"
    "WGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ"
    "2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APQK/9k="),
}
MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening",
    "illicit", "illicit/violent", "self-harm", "self-harm/intent",
    "self-harm/instructions", "sexual", "sexual/minors", "violence",
    "violence/graphic")


def images_body(cid, model, n=1, fmt=None, url=False, prompt=""):
    """An images reply as the API writes one: n images, in the
    output_format asked; a URL each when the body asks for them
    (dall-e's default); dall-e-3 revises the
    prompt; gpt-image-* says its output_format, size, quality and usage,
    dall-e does not."""
    t = now()
    data = []
    for _ in range(n):
        d = ({"url": "https://images.invalid/%s/%s.png" % (cid, hexid())}
             if url else {"b64_json": IMAGES_B64.get(fmt, IMAGES_B64["png"])})
        if model == "dall-e-3":
            d["revised_prompt"] = "A detailed picture of " + prompt
        data.append(d)
    if model.startswith("dall-e"):
        return {"created": t, "data": data}
    return {"created": t, "background": "opaque", "data": data,
            "output_format": fmt or "png", "quality": "medium",
            "size": "1024x1024",
            "usage": {"input_tokens": 50,
                      "input_tokens_details": {"image_tokens": 40,
                                               "text_tokens": 10},
                      "output_tokens": 272 * n,
                      "total_tokens": 50 + 272 * n}}


def moderations_body(cid, model, inp):
    """A moderations reply as the API writes one: a result an input (a
    list of strings is that many inputs; the parts of one, one); a text
    with "attack" in it is flagged for violence."""
    if isinstance(inp, list) and inp and all(isinstance(x, str) for x in inp):
        inputs = inp
    else:
        inputs = [inp]
    results = []
    for x in inputs:
        parts = x if isinstance(x, list) else [{"type": "text", "text": x}]
        text = " ".join(p.get("text", "") for p in parts
                        if isinstance(p, dict) and isinstance(p.get("text"), str))
        kinds = sorted({"image" if isinstance(p, dict) and
                        p.get("type") == "image_url" else "text"
                        for p in parts})
        bad = "attack" in text
        cats = {c: bad and c == "violence" for c in MODERATION_CATEGORIES}
        scores = {c: (0.91 if cats[c] else 0.0001)
                  for c in MODERATION_CATEGORIES}
        results.append({"flagged": bad, "categories": cats,
                        "category_scores": scores,
                        "category_applied_input_types": {
                            c: kinds for c in MODERATION_CATEGORIES}})
    return {"id": "modr-" + hexid(), "model": model, "results": results}


def result_body(cid, model, url, emb=None):
    if url == "/v1/embeddings":
        return embeddings_body(cid, model, *(emb or ([1], None)))
    if url in ("/v1/images/generations", "/v1/images/edits"):
        return images_body(cid, model, *(emb or ()))
    if url == "/v1/moderations":
        return moderations_body(cid, model, *(emb or ("",)))
    text = structured_text(cid, emb[0]) if emb else "ok " + cid
    t = now()
    if url == "/v1/responses":
        return {
            "id": "resp_" + hexid(), "object": "response", "created_at": t,
            "status": "completed", "error": None, "incomplete_details": None,
            "model": model,
            "output": [
                {"id": "rs_" + hexid(), "type": "reasoning", "summary": []},
                {"id": "msg_" + hexid(), "type": "message",
                 "status": "completed", "role": "assistant",
                 "content": [{"type": "output_text", "text": text,
                              "annotations": []}]},
            ],
            "usage": {"input_tokens": 10, "output_tokens": 2,
                      "total_tokens": 12,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
        }
    if url == "/v1/completions":
        return {
            "id": "cmpl-" + hexid(), "object": "text_completion",
            "created": t, "model": model,
            "choices": [{"text": text, "index": 0, "logprobs": None,
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2,
                      "total_tokens": 12},
        }
    return {
        "id": "chatcmpl-" + hexid(), "object": "chat.completion",
        "created": t, "model": model,
        "choices": [{"index": 0,
                     "message": {"role": "assistant", "content": text,
                                 "refusal": None, "annotations": []},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2,
                  "total_tokens": 12,
                  "prompt_tokens_details": {"cached_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0}},
        "system_fingerprint": "fp_fake",
    }


def validate_batch_file(data):
    """Return (requests [(custom_id, model)], url, tokens), or raise
    ApiError naming the bad line.  One pass, one line at a time."""
    def bad(msg):
        return ApiError(400, "Invalid file: " + msg, code="invalid_file")
    if not data:
        raise bad("the file is empty.")
    nlines = data.count(b"\n") + (not data.endswith(b"\n"))
    if nlines > MAX_LINES:
        raise bad("line %d: more than %d requests in one file."
                  % (MAX_LINES + 1, MAX_LINES))
    reqs = []
    seen = set()
    models = {}
    url0 = None
    tokens = 0
    ninputs = 0
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    loads = json.loads
    pos = 0
    end = len(data)
    n = 0
    while pos < end:
        n += 1
        nl = data.find(b"\n", pos)
        if nl < 0:
            nl = end
        raw = data[pos:nl]
        pos = nl + 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise bad("line %d is not valid UTF-8." % n)
        if not s.strip():
            raise bad("line %d is empty." % n)
        try:
            o = loads(s)
        except ValueError:
            raise bad("line %d is not valid JSON." % n)
        if not isinstance(o, dict):
            raise bad("line %d is not a JSON object." % n)
        for k in ("custom_id", "method", "url"):
            if not isinstance(o.get(k), str):
                raise bad("line %d: '%s' is missing or not a string." % (n, k))
        body = o.get("body")
        if not isinstance(body, dict):
            raise bad("line %d: 'body' is missing or not an object." % n)
        cid = o["custom_id"]
        if cid in seen:
            raise bad("line %d: duplicate custom_id." % n)
        seen.add(cid)
        if url0 is None:
            url0 = o["url"]
        elif o["url"] != url0:
            raise bad("line %d: url %s differs from %s; all requests in a "
                      "file must use the same url." % (n, o["url"], url0))
        model = body.get("model")
        if not isinstance(model, str):
            model = "gpt-4o-mini"
        model = models.setdefault(model, model)  # one string a model
        if url0 == "/v1/embeddings":
            # what an embeddings reply needs: each input's tokens (a
            # token a 4 bytes, at least 1) and the dimensions asked
            inp = body.get("input")
            inp = inp if isinstance(inp, list) else [inp]
            ninputs += len(inp)
            if ninputs > MAX_EMBEDDING_INPUTS:
                raise bad("line %d: more than %d embedding inputs in one "
                          "batch." % (n, MAX_EMBEDDING_INPUTS))
            dims = body.get("dimensions")
            reqs.append((cid, model, [max(1, len(json.dumps(x)) // 4)
                                      for x in inp],
                         dims if isinstance(dims, int) else None))
        elif url0 in ("/v1/images/generations", "/v1/images/edits"):
            # what an images reply needs: how many, in what format,
            # whether as URLs (dall-e's default), the prompt
            nimg = body.get("n")
            fmt = body.get("output_format")
            rf = body.get("response_format")
            prompt = body.get("prompt")
            reqs.append((cid, model,
                         nimg if isinstance(nimg, int) and nimg > 0 else 1,
                         fmt if isinstance(fmt, str) else None,
                         rf == "url" or (rf is None and
                                         model.startswith("dall-e")),
                         prompt if isinstance(prompt, str) else ""))
        elif url0 == "/v1/moderations":
            reqs.append((cid, model, body.get("input")))
        else:
            fmt = structured(body)
            reqs.append((cid, model, fmt) if fmt is not None else (cid, model))
        # enqueued tokens: ceil(UTF-8 bytes of the compact body / 4)
        tokens += (len(dumps(body).encode("utf-8")) + 3) // 4
    return reqs, url0, tokens


def check_expiry(anchor, seconds, name, form=False):
    """The seconds of an expiry policy ({anchor, seconds}) as the API checks
    one; name is its parameter ("expires_after", "output_expires_after");
    form: its fields are a form's text."""
    for k, v in (("anchor", anchor), ("seconds", seconds)):
        if v is None:
            raise ApiError(400, "Missing required parameter: '%s.%s'."
                           % (name, k), param="%s.%s" % (name, k),
                           code="missing_required_parameter")
    if anchor != "created_at":
        raise ApiError(400, "Invalid value: %r. Supported values are: "
                       "'created_at'." % (anchor,), param=name + ".anchor",
                       code="invalid_value")
    if form and re.fullmatch(r"-?[0-9]+", seconds):
        seconds = int(seconds)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise ApiError(400, "Invalid type for '%s.seconds': expected an "
                       "integer." % name, param=name + ".seconds",
                       code="invalid_type")
    if seconds < 3600:
        raise ApiError(400, "Invalid '%s.seconds': integer below minimum "
                       "value. Expected a value >= 3600, but got %d instead."
                       % (name, seconds), param=name + ".seconds",
                       code="integer_below_min_value")
    if seconds > 2592000:
        raise ApiError(400, "Invalid '%s.seconds': integer above maximum "
                       "value. Expected a value <= 2592000, but got %d "
                       "instead." % (name, seconds), param=name + ".seconds",
                       code="integer_above_max_value")
    return seconds


def parse_params(s):
    """Parameters of a header value like `form-data; name="file"; filename="x"`."""
    out = {}
    for m in re.finditer(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))',
                         ";" + s.split(";", 1)[1] if ";" in s else ""):
        v = m.group(2)
        if v is not None:
            v = re.sub(r"\\(.)", r"\1", v)
        else:
            v = m.group(3).strip()
        out[m.group(1).lower()] = v
    return out


def parse_multipart(ctype, body):
    """Return {name: (filename or None, bytes)}: each part's content is the
    one copy made of it."""
    if not ctype.lower().startswith("multipart/form-data"):
        raise ApiError(400, "The request must be multipart/form-data.")
    boundary = parse_params(ctype).get("boundary")
    if not boundary:
        raise ApiError(400, "The multipart request has no boundary.")
    bnd = b"--" + boundary.encode("latin-1")
    delim = b"\r\n" + bnd
    # the first delimiter may open the body, without the CRLF before it
    if body.startswith(bnd):
        first = len(bnd)
    else:
        pos = body.find(delim)
        if pos < 0:
            return {}
        first = pos + len(delim)
    fields = {}
    start = first  # just after a delimiter
    while True:
        if body.startswith(b"--", start):
            break
        nxt = body.find(delim, start)
        stop = nxt if nxt >= 0 else len(body)
        nl = body.find(b"\r\n", start, stop)  # transport padding, CRLF
        if nl < 0:
            raise ApiError(400, "Malformed multipart body.")
        hstart = nl + 2
        hend = body.find(b"\r\n\r\n", hstart, stop)
        if hend < 0:
            if body.startswith(b"\r\n", hstart) or hstart == stop:
                head, cstart = b"", hstart + 2
            else:
                raise ApiError(400, "Malformed multipart body.")
        else:
            head, cstart = body[hstart:hend], hend + 4
        name = filename = None
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-disposition":
                p = parse_params(v.strip())
                name = p.get("name")
                filename = p.get("filename")
        if name is not None:
            fields[name] = (filename, body[cstart:stop])
        if nxt < 0:
            break
        start = nxt + len(delim)
    return fields


# --------------------------------------------------------------------------
# HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake-openai: %s %s\n" % (self.address_string(),
                                                       fmt % args))

    # every method goes through one dispatcher
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    # ---- request body

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te:
            codings = [c.strip() for c in te.split(",") if c.strip()]
            if codings and codings[-1] == "chunked":
                return self.read_chunked(), True
            raise BadFraming("unsupported Transfer-Encoding")
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b"", False
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            raise BadFraming("bad Content-Length")
        data = self.rfile.read(n) if n else b""
        if len(data) != n:
            raise BadFraming("body shorter than Content-Length")
        return data, False

    def read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(65537)
            if not line.endswith(b"\n"):
                raise BadFraming("truncated chunk header")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadFraming("bad chunk size")
            if size < 0:
                raise BadFraming("bad chunk size")
            if size == 0:
                while True:  # trailers
                    t = self.rfile.readline(65537)
                    if not t.endswith(b"\n"):
                        raise BadFraming("truncated trailers")
                    if t in (b"\r\n", b"\n"):
                        return bytes(out)
            data = self.rfile.read(size)
            if len(data) != size:
                raise BadFraming("truncated chunk")
            out += data
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadFraming("chunk not followed by CRLF")

    # ---- responses

    def respond(self, status, body=b"", ctype="application/json",
                headers=None, cut=None, close=False, length=None):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body) + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if "x-request-id" not in (headers or {}):
            self.send_header("x-request-id", "req_" + hexid())
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None
                                               else length))
        if close or cut is not None or length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        fl = getattr(self, "fault", None)
        if fl and fl["kind"] == "trickle":
            step = max(1, int(fl.get("bytes", 2)))
            data = body if cut is None else body[:cut]
            try:
                for i in range(0, len(data), step):
                    self.wfile.write(data[i:i + step])
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                self.close_connection = True
                return
        else:
            self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()
        if cut is not None or length is not None:
            self.hard_close(rst=False)

    def hard_close(self, rst):
        """Close the connection now, without (more of) a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        sock = self.connection
        if rst:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except OSError:
                pass
        else:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            sock.close()
        except OSError:
            pass
        # handle_one_request flushes wfile after us; give it something inert
        self.wfile = io.BytesIO()
        self.rfile = io.BytesIO()

    # ---- dispatch

    def dispatch(self):
        st = self.server.state
        url = urlsplit(self.path)
        path, query = url.path, url.query
        try:
            body, chunked = self.read_body()
        except BadFraming as e:
            self.close_connection = True
            entry = self.log_entry(path, query, b"", False)
            entry["status"] = 400
            with st.lock:
                if path == "/v1" or path.startswith("/v1/"):
                    st.log.append(entry)
                    st.count(self.command, path)
            self.respond(400, ApiError(400, "Malformed request body: %s" % e)
                         .body(), close=True)
            return

        if path == "/__control" or path.startswith("/__control/") or \
                path == "/__log" or path.startswith("/__log/") or \
                path == "/__stats" or path.startswith("/__stats/"):
            try:
                status, out = self.control(path, body)
                with st.lock:
                    out = json.loads(json.dumps(out))
            except ApiError as e:
                status, out = e.status, e.body()
            self.respond(status, out)
            return

        if not (path == "/v1" or path.startswith("/v1/")):
            self.respond(404, ApiError(404, "Unknown path.",
                                       code="unknown_url").body())
            return

        entry = self.log_entry(path, query, body, chunked)
        method = self.command
        with st.lock:
            st.count(method, path)

        # auth first: a request without a good key never reaches a fault
        err = self.check_auth()
        if err is not None:
            entry["status"] = err.status
            with st.lock:
                st.log.append(entry)
            self.respond(err.status, err.body())
            return

        with st.lock:
            fault = st.take_fault(method, path)
        kind = fault["kind"] if fault else None
        entry["fault"] = kind
        self.fault = fault

        if kind == "slow":
            time.sleep(float(fault.get("seconds", 1)))
        if kind == "silent":
            entry["status"] = None
            with st.lock:
                st.log.append(entry)
            time.sleep(float(fault.get("seconds", 3600)))
            self.hard_close(rst=False)
            return
        if kind == "reset":
            entry["status"] = None
            with st.lock:
                st.log.append(entry)
            self.hard_close(rst=True)
            return
        if kind == "status":
            code = int(fault.get("code", 500))
            hdrs = {}
            if "retry_after" in fault:
                hdrs["Retry-After"] = str(fault["retry_after"])
            if "retry_after_ms" in fault:
                hdrs["retry-after-ms"] = str(fault["retry_after_ms"])
            if "request_id" in fault:
                hdrs["x-request-id"] = fault["request_id"]
            if "should_retry" in fault:
                v = fault["should_retry"]
                hdrs["x-should-retry"] = (("true" if v else "false")
                                          if isinstance(v, bool) else str(v))
            if "error_code" in fault or "error_type" in fault:
                e = ApiError(code, fault.get("message", "Injected error %d."
                             % code), type_=fault.get("error_type", "invalid_request_error"),
                             code=fault.get("error_code"))
            elif code == 429:
                e = ApiError(code, fault.get("message", "Rate limit reached. "
                             "Please try again later."), type_="requests",
                             code="rate_limit_exceeded")
            elif code >= 500:
                e = ApiError(code, fault.get("message", "The server had an "
                             "error while processing your request."),
                             type_="server_error", code=None)
            else:
                e = ApiError(code, fault.get("message", "Injected error %d."
                                             % code))
            entry["status"] = code
            with st.lock:
                st.log.append(entry)
            self.respond(code, e.body(), headers=hdrs)
            return
        if kind == "redirect":
            code = int(fault.get("code", 302))
            loc = fault.get("location", "http://127.0.0.1:1/elsewhere")
            entry["status"] = code
            with st.lock:
                st.log.append(entry)
            self.respond(code, ApiError(code, "Moved.").body(),
                         headers={"Location": loc})
            return
        if kind == "garbage":
            code = int(fault.get("code", 200))
            entry["status"] = code
            with st.lock:
                st.log.append(entry)
            self.respond(code, fault.get("body", '{"id":'))
            return

        if kind == "empty":  # a 204, or a 200 with no body
            code = int(fault.get("code", 204))
            entry["status"] = code
            with st.lock:
                st.log.append(entry)
            self.respond(code, b"", ctype=None)
            return

        try:
            with st.lock:
                status, out, ctype, hdrs = self.route(method, path, query, body,
                                                      kind)
                if isinstance(out, (dict, list)):  # a snapshot, never state
                    out = json.loads(json.dumps(out))
        except ApiError as e:
            status, out, ctype, hdrs = e.status, e.body(), "application/json", \
                e.headers
        except Exception:
            traceback.print_exc()
            status, out, ctype, hdrs = 500, ApiError(
                500, "Internal error in the fake server.",
                type_="server_error").body(), "application/json", {}

        if kind == "bad_id" and 200 <= status < 300 and isinstance(out, dict):
            # "field" set to "value", or each member of "set" (an object)
            pairs = fault.get("set") or {
                fault.get("field", "id"): fault.get("value", "../etc/passwd")}
            for field, value in pairs.items():
                if field in out or out.get("object") != "list":
                    out[field] = value
                else:
                    for item in out.get("data") or []:
                        if isinstance(item, dict):
                            item[field] = value

        entry["status"] = status
        with st.lock:
            st.log.append(entry)
        if kind == "after":
            self.hard_close(rst=False)
            return
        cut = length = None
        if kind == "lie_length" and isinstance(out, bytes):
            length = len(out) - int(fault.get("bytes", 100))
        if kind == "cut":
            n = fault.get("bytes")
            if isinstance(out, (dict, list)):
                out = (json.dumps(out) + "\n").encode()
            cut = int(n) if n is not None else len(out) // 2
        self.respond(status, out, ctype, hdrs, cut=cut, length=length)

    def log_entry(self, path, query, body, chunked):
        hdrs = {}
        for k, v in self.headers.items():
            k = k.lower()
            if k == "authorization":
                v = "<redacted>"
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        js = None
        if body and "json" in (self.headers.get("Content-Type") or "").lower():
            try:
                js = json.loads(body)
            except ValueError:
                js = None
        return {"method": self.command, "path": path, "query": query,
                "status": None, "range": self.headers.get("Range"),
                "if_range": self.headers.get("If-Range"),
                "bytes": len(body), "chunked": chunked,
                "auth": self.headers.get("Authorization") is not None,
                "headers": hdrs, "json": js, "fault": None}

    def check_auth(self):
        h = self.headers.get("Authorization")
        key = None
        if h is not None:
            parts = h.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "bearer":
                key = parts[1].strip()
        if not key:
            return ApiError(401, "You didn't provide an API key. You need to "
                            "provide your API key in an Authorization header "
                            "using Bearer auth (i.e. Authorization: Bearer "
                            "YOUR_KEY).", code="invalid_api_key")
        if key.startswith("sk-echo"):	# a server that quotes the key
            return ApiError(401, "Incorrect API key provided: %s." % key,
                            code="invalid_api_key")
        if key == "sk-bad":
            return ApiError(401, "Incorrect API key provided. You can find "
                            "your API key at "
                            "https://platform.openai.com/account/api-keys.",
                            code="invalid_api_key")
        if key == "sk-forbidden":
            return ApiError(403, "You are not allowed to perform this "
                            "request with this API key.",
                            code="invalid_api_key")
        return None

    # ---- control endpoints (no auth)

    def control(self, path, body):
        st = self.server.state
        m = self.command

        def jbody():
            try:
                return json.loads(body or b"{}")
            except ValueError:
                raise ApiError(400, "control: the body is not JSON")
        with st.lock:
            if path == "/__control" and m == "GET":
                return 200, st.control
            if path == "/__control" and m == "POST":
                return 200, st.set_control(jbody())
            if path == "/__control/reset" and m == "POST":
                st.reset_control()
                return 200, st.control
            if path == "/__stats" and m == "GET":
                return 200, st.stats()
            if path == "/__stats/clear" and m == "POST":
                st.clear_stats()
                return 200, {"cleared": True}
            if path == "/__log" and m == "GET":
                return 200, st.log
            if path == "/__log/clear" and m == "POST":
                st.log = []
                return 200, {"cleared": True}
        raise ApiError(404, "control: unknown endpoint %s %s" % (m, path))

    # ---- the API

    def route(self, method, path, query, body, kind):
        st = self.server.state
        json_ct = "application/json"

        def jbody():
            try:
                return json.loads(body)
            except ValueError:
                raise ApiError(400, "We could not parse the JSON body of your "
                               "request.", code=None)

        if path == "/v1/files" and method == "GET":
            # newest first (order=desc, the default; asc: oldest first);
            # purpose, limit (1..10000) and after as the API has
            q = {k: v[-1] for k, v in parse_qs(query).items()}
            if q.get("order", "desc") not in ("asc", "desc"):
                raise ApiError(400, "Invalid 'order': must be 'asc' or "
                               "'desc'.", param="order", code="invalid_value")
            files = [f["meta"] for f in st.files.values()]
            if q.get("order", "desc") == "desc":
                files.reverse()
            if q.get("purpose"):
                files = [f for f in files if f["purpose"] == q["purpose"]]
            if q.get("after"):
                ids = [f["id"] for f in files]
                files = files[ids.index(q["after"]) + 1:] \
                    if q["after"] in ids else []
            try:
                limit = int(q.get("limit", "10000"))
            except ValueError:
                raise ApiError(400, "Invalid 'limit'.", param="limit")
            if not 1 <= limit <= 10000:
                raise ApiError(400, "Invalid 'limit'.", param="limit")
            page = files[:limit]
            return 200, {"object": "list", "data": page,
                         "first_id": page[0]["id"] if page else None,
                         "last_id": page[-1]["id"] if page else None,
                         "has_more": len(files) > limit}, json_ct, {}

        if path == "/v1/files":
            if method != "POST":
                raise ApiError(405, "Method not allowed.")
            fields = parse_multipart(self.headers.get("Content-Type") or "",
                                     body)
            if "purpose" not in fields:
                raise ApiError(400, "Missing required parameter: 'purpose'.",
                               param="purpose",
                               code="missing_required_parameter")
            purpose = fields["purpose"][1].decode("utf-8", "replace")
            if purpose != "batch":
                raise ApiError(400, "Invalid value for 'purpose': this fake "
                               "only accepts 'batch'.", param="purpose",
                               code="invalid_value")
            if "file" not in fields:
                raise ApiError(400, "Missing required parameter: 'file'.",
                               param="file", code="missing_required_parameter")
            filename, data = fields["file"]
            expiry = None
            if any(k.startswith("expires_after") for k in fields):
                expiry = check_expiry(*[
                    fields[k][1].decode("utf-8", "replace")
                    if k in fields else None for k in
                    ("expires_after[anchor]", "expires_after[seconds]")],
                    name="expires_after", form=True)
            upload = validate_batch_file(data)
            meta = st.add_file(data, filename or "upload.jsonl", "batch",
                               upload)
            if expiry is not None:
                meta["expires_at"] = meta["created_at"] + expiry
            return 200, meta, json_ct, {}

        m = re.fullmatch(r"/v1/files/([^/]+)(/content)?", path)
        if m:
            f = st.get_file(m.group(1))
            if m.group(2):
                if method != "GET":
                    raise ApiError(405, "Method not allowed.")
                with open(f["path"], "rb") as fh:
                    data = fh.read()
                if kind == "changed":  # the same lines, in another order
                    data = b"".join(reversed(data.splitlines(True)))
                if kind == "corrupt":  # one byte other, the same length
                    at = int(self.fault.get("at", 1))
                    data = data[:at] + \
                        self.fault.get("byte", "x").encode()[:1] + \
                        data[at + 1:]
                if kind == "short":  # a 200 with only the first bytes
                    return 200, data[:int(self.fault.get("bytes", 100))], \
                        "application/octet-stream", {}
                return self.content(data, kind == "no_range")
            if method == "GET":
                return 200, f["meta"], json_ct, {}
            if method == "DELETE":
                del st.files[m.group(1)]
                try:
                    os.unlink(f["path"])
                except OSError:
                    pass
                return 200, {"id": m.group(1), "object": "file",
                             "deleted": True}, json_ct, {}
            raise ApiError(405, "Method not allowed.")

        if path == "/v1/batches":
            if method == "POST":
                return 200, st.create_batch(jbody()), json_ct, {}
            if method == "GET":
                return 200, st.list_batches(query), json_ct, {}
            raise ApiError(405, "Method not allowed.")

        m = re.fullmatch(r"/v1/batches/([^/]+)(/cancel)?", path)
        if m:
            b = st.get_batch(m.group(1))
            if m.group(2):
                if method != "POST":
                    raise ApiError(405, "Method not allowed.")
                return 200, st.cancel(b), json_ct, {}
            if method != "GET":
                raise ApiError(405, "Method not allowed.")
            st.advance(b)
            return 200, b["obj"], json_ct, {}

        raise ApiError(404, "Invalid URL (%s %s)" % (method, path),
                       code="unknown_url")

    def content(self, data, no_range):
        ct = "application/octet-stream"
        rng = self.headers.get("Range")
        total = len(data)
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:20]
        hdrs = {"ETag": etag}
        cond = self.headers.get("If-Range")
        if cond is not None and cond.strip() != etag:
            rng = None  # changed since: the whole body
        if rng and not no_range:
            m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", rng)
            if m and (m.group(1) or m.group(2)):
                if m.group(1):
                    start = int(m.group(1))
                    end = int(m.group(2)) if m.group(2) else total - 1
                else:  # suffix range: the last N bytes
                    start = max(0, total - int(m.group(2)))
                    end = total - 1
                end = min(end, total - 1)
                if start >= total or start > end:
                    raise ApiError(416, "Requested range not satisfiable.",
                                   headers={"Content-Range": "bytes */%d" % total})
                hdrs["Content-Range"] = "bytes %d-%d/%d" % (start, end, total)
                return 206, data[start:end + 1], ct, hdrs
        return 200, data, ct, hdrs


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, socket.timeout)) and not self.verbose:
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="Fake OpenAI Batch API server")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir")
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--pace", type=float,
                    help="seconds a batch step takes (the control's pace)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key", help="and this key")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be >= 1")
    if args.pace is not None and args.pace < 0:
        ap.error("--pace must be >= 0")

    tmp = None
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        directory = args.dir
    else:
        tmp = directory = tempfile.mkdtemp(prefix="fake-openai.")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    server = Server(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.state = State(directory, args.steps)
    server.state.control["pace"] = args.pace
    server.verbose = args.verbose
    port = server.server_address[1]
    t = threading.Thread(target=server.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(args.port_file + ".tmp", args.port_file)
    if args.verbose:
        sys.stderr.write("fake-openai: listening on 127.0.0.1:%d\n" % port)

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
