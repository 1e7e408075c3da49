#!/usr/bin/env python3
"""A webhook receiver for the tests of bw's notifications.

Usage: tests/notify-receiver.py --port-file FILE --dir DIR
           [--fail N] [--secret-file FILE] [--bw-webhook PATH]
           [--tls-cert PEM --tls-key KEY]

Listens on 127.0.0.1 (a free port, written to FILE once listening) and
records every request (a POST, or a GET should a client follow a
redirect) as files in DIR, numbered from 1 in arrival order:
    N.headers   the request line, then the headers as received
    N.body      the body
    N.verify    the exit status of bw-webhook given the delivery (the
                webhook-* headers as --id/--timestamp/--signature, the
                body on stdin, the secret from --secret-file), then its
                stderr
    N.status    the status answered
The first N deliveries (--fail N) are answered 500, the rest 200.  By
path:
    /redirect   answered 302, Location: /  (a client must not follow)
    /silent     never answered: the connection is held open until the
                receiver stops
Stops on SIGTERM or SIGINT.
"""
import argparse
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with srv.lock:
            srv.count += 1
            k = srv.count
        base = os.path.join(srv.dir, str(k))
        with open(base + ".headers", "w") as f:
            f.write(self.requestline + "\n")
            for name, value in self.headers.items():
                f.write("%s: %s\n" % (name, value))
        with open(base + ".body", "wb") as f:
            f.write(body)
        if srv.secret_file:
            cmd = [srv.bw_webhook, "--secret-file", srv.secret_file,
                   "--id", self.headers.get("webhook-id") or "",
                   "--timestamp", self.headers.get("webhook-timestamp") or "",
                   "--signature", self.headers.get("webhook-signature") or ""]
            p = subprocess.run(cmd, input=body, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            with open(base + ".verify", "wb") as f:
                f.write(b"%d\n" % p.returncode + p.stderr)
        if self.path == "/silent":
            srv.stop.wait()
            return
        if self.path == "/redirect":
            status, extra = 302, [("Location", "/")]
        elif k <= srv.fail:
            status, extra = 500, []
        else:
            status, extra = 200, []
        with open(base + ".status", "w") as f:
            f.write("%d\n" % status)
        answer = b"{}\n" if status == 200 else b'{"error":"no"}\n'
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST		# a redirect followed would show


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="webhook receiver for tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--secret-file")
    ap.add_argument("--bw-webhook", default="bw-webhook")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    server = Server(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.dir = args.dir
    server.fail = args.fail
    server.secret_file = args.secret_file
    server.bw_webhook = args.bw_webhook
    server.stop = stop
    server.lock = threading.Lock()
    server.count = 0
    threading.Thread(target=server.serve_forever,
                     kwargs={"poll_interval": 0.1}, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(args.port_file + ".tmp", args.port_file)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
