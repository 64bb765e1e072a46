#!/usr/bin/python3
"""HTTP(S) sink for the delivery tests (http.server).

Listens on 127.0.0.1 on a kernel-chosen port, prints "READY <port>" on stdout once it
accepts connections, and stores each request as DIR/<n>.req (written to a temporary name,
then renamed, before the response is sent):

    <METHOD> <path>
    <Header>: <value>         (one line per header, as received)

    <body>

It answers every request with --status (default 200; a 3xx comes with
"Location: /redirected"). --cert/--key serve HTTPS.
Stops on SIGTERM.
"""
import argparse
import http.server
import os
import ssl
import sys


def make_handler(directory, status):
    counter = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def handle_any(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length > 0 else b""
            counter[0] += 1
            head = [f"{self.command} {self.path}"] + [f"{k}: {v}" for k, v in self.headers.items()]
            temporary = os.path.join(directory, f".{counter[0]}.tmp")
            with open(temporary, "wb") as f:
                f.write(("\n".join(head) + "\n\n").encode() + body)
            os.rename(temporary, os.path.join(directory, f"{counter[0]}.req"))
            reply = b'{"status":"queued"}' if status < 300 else b'{"error":"sink told to fail"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if 300 <= status < 400:  # a redirect the client must not follow
                self.send_header("Location", "/redirected")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_POST = do_PUT = do_GET = handle_any

        def log_message(self, format, *args):  # noqa: A002 - keep stderr quiet
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    server = http.server.HTTPServer(("127.0.0.1", 0), make_handler(args.dir, args.status))
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
