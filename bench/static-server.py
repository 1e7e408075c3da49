#!/usr/bin/env python3
"""bench/static-server.py: a fast static server for the download benchmark.

Usage: bench/static-server.py --port-file FILE --file ID=PATH [--file ...]

Serves GET (and HEAD) /v1/files/ID/content with the bytes of PATH, sent with
sendfile(2), so that the server costs next to nothing and a download's time
is the client's.  Honours a single "bytes=A-B" Range, as bw-download may ask
for one to resume.  Anything else is a 404 with OpenAI's error envelope.
Binds 127.0.0.1 on a free port, writes "PORT\\n" to FILE (via a rename) once
listening, and serves until SIGTERM or SIGINT.  Standard library only; for
the benchmark only: the API's other endpoints are tests/fake-openai.py's.
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def error(self, status, message):
        body = (json.dumps({"error": {"message": message,
                                      "type": "invalid_request_error",
                                      "param": None, "code": None}}) +
                "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        f = re.fullmatch(r"/v1/files/([A-Za-z0-9_-]+)",
                         self.path.split("?", 1)[0])
        if f and f.group(1) in self.server.files:
            # the File object, as the API gives it: bw-download reads
            # the file's length from it
            body = json.dumps({
                "id": f.group(1), "object": "file", "purpose": "batch_output",
                "filename": "batch_output.jsonl", "status": "processed",
                "bytes": os.path.getsize(self.server.files[f.group(1)]),
                "created_at": 0}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        m = re.fullmatch(r"/v1/files/([A-Za-z0-9_-]+)/content",
                         self.path.split("?", 1)[0])
        path = self.server.files.get(m.group(1)) if m else None
        if path is None:
            self.error(404, "No such file.")
            return
        total = os.path.getsize(path)
        start, end, status = 0, total - 1, 200
        rng = self.headers.get("Range")
        if rng:
            r = re.fullmatch(r"\s*bytes\s*=\s*(\d+)\s*-\s*(\d*)\s*", rng)
            if r:
                start = int(r.group(1))
                if r.group(2):
                    end = min(end, int(r.group(2)))
                if start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % total)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range",
                             "bytes %d-%d/%d" % (start, end, total))
        self.end_headers()
        if self.command == "HEAD":
            return
        self.wfile.flush()
        with open(path, "rb") as f:
            self.connection.sendfile(f, start, end - start + 1)

    do_HEAD = do_GET

    def do_POST(self):
        self.error(405, "Method not allowed.")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--file", action="append", default=[],
                    help="ID=PATH, served at /v1/files/ID/content")
    args = ap.parse_args()
    files = {}
    for spec in args.file:
        fid, sep, path = spec.partition("=")
        if not sep or not os.path.isfile(path):
            ap.error("--file wants ID=PATH of a file: %s" % spec)
        files[fid] = path

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    server = Server(("127.0.0.1", 0), Handler)
    server.files = files
    threading.Thread(target=server.serve_forever,
                     kwargs={"poll_interval": 0.1}, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(args.port_file + ".tmp", args.port_file)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
