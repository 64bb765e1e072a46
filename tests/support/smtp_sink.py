#!/usr/bin/python3
"""SMTP sink for the delivery tests (aiosmtpd).

Listens on 127.0.0.1 on a kernel-chosen port, prints "READY <port>" on stdout once it
accepts connections, and stores each accepted message as DIR/<n>.msg (written to a
temporary name, then renamed, so a file that exists is complete). The file holds the
envelope, an empty line, then the message exactly as received (CRLF line endings):

    MAIL FROM: <address>
    RCPT TO: <address>        (one line per recipient)
    TLS: yes|no               (whether the message came after STARTTLS)
    AUTH: <login>|-           (the authenticated SMTP user, if any)

    <message>

Options: --cert/--key offer STARTTLS with that certificate; --require-starttls refuses
everything but EHLO/STARTTLS/QUIT before TLS; --auth-user/--auth-password-file accept
AUTH PLAIN/LOGIN (over TLS only) with exactly those credentials. Stops on SIGTERM.
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        login = "-"
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        head = [f"MAIL FROM: {envelope.mail_from}"]
        head += [f"RCPT TO: {r}" for r in envelope.rcpt_tos]
        head += [f"TLS: {'yes' if session.ssl is not None else 'no'}", f"AUTH: {login}"]
        data = ("\n".join(head) + "\n\n").encode() + envelope.original_content
        temporary = os.path.join(self.directory, f".{self.count}.tmp")
        with open(temporary, "wb") as f:
            f.write(data)
        os.rename(temporary, os.path.join(self.directory, f"{self.count}.msg"))
        return "250 2.0.0 OK"


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd then answers 535 itself (True would leave the client waiting).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password-file")
    args = parser.parse_args()

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    kwargs = {}
    if args.auth_user:
        with open(args.auth_password_file) as f:
            password = f.read().rstrip("\n")
        kwargs["authenticator"] = make_authenticator(args.auth_user, password)
    handler = Handler(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", tls_context=tls,
                     require_starttls=args.require_starttls, loop=loop, **kwargs),
        host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
