"""A stdlib HTTP server on 127.0.0.1 in a thread: the base of the fake Exchange servers.

It counts requests by operation, tracks how many are in flight at once (for the
Graph concurrency limit) and can hold requests at a gate so a test can see
whether the client ever has more than N outstanding.
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Reply = tuple[int, dict[str, str], bytes]


class FakeServer:
    """Subclasses implement `handle(method, path, headers, body) -> (status, headers, body)`."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()      # operation -> requests seen (retries included)
        self.log: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate: int | None = None              # hold requests until this many were in flight
        self.gate_timeout = 0.3
        self._cond = threading.Condition()
        self._httpd: ThreadingHTTPServer | None = None
        self.tls: ssl.SSLContext | None = None    # set before start() to serve HTTPS

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True   # else headers and body wait on delayed ACKs

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    # the client died mid-request: a real server discards a short body
                    self.close_connection = True
                    return
                with fake._cond:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    fake._cond.notify_all()
                    if fake.gate is not None:
                        # wait for company, so the test sees how many the client lets out at once
                        fake._cond.wait_for(lambda: fake.max_in_flight >= (fake.gate or 0),
                                            timeout=fake.gate_timeout)
                try:
                    status, headers, payload = fake.handle(
                        self.command, self.path, dict(self.headers.items()), body)
                finally:
                    with fake._cond:
                        fake.in_flight -= 1
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # -- for subclasses ---------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def count(self, operation: str) -> None:
        self.calls[operation] += 1
        self.log.append(operation)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return   # a client killed mid-request (the crash tests do it on purpose)
        super().handle_error(request, client_address)


class Faults:
    """Scripted failures: the next `times` requests of an operation get `reply` instead."""

    def __init__(self) -> None:
        self._pending: dict[str, list[Callable[[], Reply]]] = {}
        self._lock = threading.Lock()

    def add(self, operation: str, reply: Callable[[], Reply], times: int) -> None:
        with self._lock:
            self._pending.setdefault(operation, []).extend([reply] * times)

    def clear(self) -> None:
        """The outage is over: drop every failure not yet served."""
        with self._lock:
            self._pending.clear()

    def take(self, operation: str) -> Reply | None:
        with self._lock:
            queue = self._pending.get(operation)
            if queue:
                return queue.pop(0)()
            return None
