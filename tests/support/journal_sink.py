#!/usr/bin/python3
"""A stand-in for journald's native socket, for the sandbox: binds SOCKET (normally
/run/systemd/journal/socket inside the sandbox's private /run), appends each datagram it
receives to OUTPUT as one entry (fields as received, then an empty line), and reports
READY=1 to $NOTIFY_SOCKET once bound. Stops on SIGTERM.

    journal_sink.py SOCKET OUTPUT
"""
import os
import signal
import socket
import sys


def main():
    path, output = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    notify = os.environ.get("NOTIFY_SOCKET")
    if notify:
        n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        n.sendto(b"READY=1", notify)
    with open(output, "ab", buffering=0) as out:
        while True:
            data = sock.recv(1 << 20)
            out.write(data.rstrip(b"\n") + b"\n\n")


if __name__ == "__main__":
    main()
