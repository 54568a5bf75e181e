"""Real servers on loopback for notification tests: an SMTP server and a webhook receiver."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd on 127.0.0.1; keeps each received message parsed."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                sink.messages.append(email.message_from_bytes(envelope.content,
                                                              policy=email.policy.default))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def url(self, to: str) -> str:
        return (f"mailto://127.0.0.1:{self.port}?from=jiandu@example.com&to={to}"
                "&secure=no&mode=insecure")


class WebhookReceiver:
    """An HTTP receiver that can fail its first N requests or answer too late.

    ``bodies`` keeps every request; ``accepted`` keeps one body per idempotency key,
    as a receiver that honours the key would.
    """

    def __init__(self, fail_first: int = 0, always_fail: bool = False, slow_first: int = 0,
                 delay: float = 0.0):
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.accepted: dict[str, dict] = {}
        self.fail_first, self.always_fail = fail_first, always_fail
        self.slow_first, self.delay = slow_first, delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.bodies.append(body)
                receiver.headers.append(dict(self.headers))
                n = len(receiver.bodies)
                if receiver.always_fail or n <= receiver.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                key = self.headers.get("X-Jiandu-Key")
                receiver.accepted.setdefault(key, body)
                if n <= receiver.slow_first:
                    time.sleep(receiver.delay)  # accepted, but the answer comes too late
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, extra: str = "") -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook{extra}"
