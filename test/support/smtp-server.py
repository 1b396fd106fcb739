"""A real SMTP server for monolite's tests and bench: Debian's aiosmtpd on loopback.

Listens on three ports and prints them as one JSON line on stdout:
  starttls  plain TCP offering STARTTLS (required before MAIL and AUTH)
  tls       implicit TLS (as port 465)
  plain     no TLS at all, AUTH allowed in clear text (for security = "none")
AUTH is required on every port when --user is given; PLAIN and LOGIN are aiosmtpd's own, CRAM-MD5 is added here
through the handler's auth_<MECH> hook. Each message is stored as <dir>/<n>.eml with <n>.json beside it (envelope,
AUTH mechanism, TLS), written to a temporary name first so a reader never sees half a file.

Special recipients change what happens:
  reject@…   RCPT refused with 550 (permanent)
  busy@…     RCPT refused with 451 (transient)
  drop<N>@…  the connection is cut after the message data arrives, before any reply, for the first N deliveries
"""
import argparse
import asyncio
import hmac
import json
import os
import re
import secrets
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, store, user, password, discard):
        self.store = store
        self.user = user.encode() if user else None
        self.password = password.encode() if password else None
        self.discard = discard
        self.count = 0
        self.drops = {}

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        if ok:
            session.mechanism = mechanism
        return AuthResult(success=ok, handled=False)

    async def auth_CRAM__MD5(self, server, args):
        challenge = f"<{secrets.token_hex(8)}@monolite.test>".encode()
        response = await server.challenge_auth(challenge)
        if not isinstance(response, bytes) or b" " not in response:
            return AuthResult(success=False, handled=False)
        login, digest = response.rsplit(b" ", 1)
        expected = hmac.new(self.password or b"", challenge, "md5").hexdigest().encode()
        ok = login == self.user and hmac.compare_digest(digest, expected)
        if ok:
            server.session.mechanism = "CRAM-MD5"
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "reject":
            return "550 5.1.1 No such user here"
        if local == "busy":
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            m = re.match(r"drop(\d+)@", rcpt.lower())
            if m:
                seen = self.drops.get(rcpt, 0)
                if seen < int(m.group(1)):
                    self.drops[rcpt] = seen + 1
                    server.transport.close()
                    return None
        self.count += 1
        if self.discard:
            return f"250 2.0.0 Ok: queued as {self.count}"
        name = os.path.join(self.store, f"{self.count:06d}")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "mechanism": getattr(session, "mechanism", None),
            "peer": list(session.peer),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name + ".eml")
        with open(name + ".tmp", "w") as f:
            json.dump(meta, f)
        os.rename(name + ".tmp", name + ".json")
        return f"250 2.0.0 Ok: queued as {self.count}"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--size", type=int, default=33554432)
    parser.add_argument("--discard", action="store_true")
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    handler = Handler(args.dir, args.user, args.password, args.discard)
    auth = dict(auth_required=bool(args.user), authenticator=handler.authenticator)
    common = dict(data_size_limit=args.size, enable_SMTPUTF8=True, hostname="mx.monolite.test")
    loop = asyncio.get_running_loop()

    def factory(**kw):
        return lambda: SMTP(handler, **common, **auth, **kw)

    servers = {
        "starttls": await loop.create_server(factory(tls_context=context, require_starttls=True), "127.0.0.1", 0),
        "tls": await loop.create_server(factory(auth_require_tls=False), "127.0.0.1", 0, ssl=context),
        "plain": await loop.create_server(factory(auth_require_tls=False), "127.0.0.1", 0),
    }
    ports = {name: s.sockets[0].getsockname()[1] for name, s in servers.items()}
    print(json.dumps(ports), flush=True)
    # Stop when the parent goes away (stdin closes), so a crashed test never leaves a server behind.
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    asyncio.run(main())
