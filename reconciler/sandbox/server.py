"""The emulator's HTTP server: WSGI over HTTP/1.1 with keep-alive, as AWS endpoints serve.

werkzeug's development server cannot keep a connection open: it sends "Connection: close"
on every response and, after each one, drains the socket by reading until EOF
(werkzeug/serving.py, `run_wsgi`), which would swallow a kept-alive client's next
request. A TCP connect per call would charge every client call CPU that real use does
not pay (botocore keeps its connections alive in a urllib3 pool), and skew the
benchmark's CPU figures. So the emulator serves with the standard library's wsgiref,
one thread per connection, looping over requests until the client closes.

The app must read each request body in full (wire.read_request does), or the next
request on the connection would be read from the middle of it.
"""

from __future__ import annotations

import socket
import socketserver
from typing import Any, BinaryIO, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

__all__ = ["WSGIServer", "make_server", "SOCKET_KEY"]

SOCKET_KEY = "reconcile.socket"  # the client's socket, for layers that drop the connection (test faults)


class _Http11Handler(ServerHandler):
    http_version = "1.1"
    sized = False  # the response carried a Content-Length, so the connection can stay open

    def close(self) -> None:
        # Without a Content-Length the body ends where the connection does.
        headers = getattr(self, "headers", None)  # set by start_response
        self.sized = headers is not None and "Content-Length" in headers
        super().close()

    def log_exception(self, exc_info: Any) -> None:
        # A connection dropped on purpose (faults) or by the client is not an emulator error.
        if not isinstance(exc_info[1], (ConnectionError, OSError)):
            super().log_exception(exc_info)


class _KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffered, so a response's head and body leave in one send (wsgiref flushes after the
    # body), as from an AWS endpoint; unbuffered, a client needs two reads for each reply.
    wbufsize = 64 * 1024

    def setup(self) -> None:
        super().setup()
        # With Nagle's algorithm on, a reply written in parts (one larger than the buffer)
        # waits for the client's delayed ACK, 40 ms a response on Linux.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[SOCKET_KEY] = self.connection
        return environ

    def handle(self) -> None:
        while True:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or len(self.raw_requestline) > 65536 or not self.parse_request():
                return
            out = cast(BinaryIO, self.wfile)
            handler = _Http11Handler(self.rfile, out, self.get_stderr(), self.get_environ(), multithread=True)
            handler.request_handler = self  # type: ignore[attr-defined]
            try:
                handler.run(self.server.get_app())  # type: ignore[attr-defined]
            except OSError:
                return
            if self.close_connection or not handler.sized:
                return

    def log_message(self, format: str, *args: Any) -> None:  # one access-log line per request drowns test output
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows when a client opens a pool of
    # connections at once; a dropped SYN is retried after 1 s (Linux), stalling the run.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-request


def make_server(host: str, port: int, app: Any) -> _ThreadingServer:
    server = _ThreadingServer((host, port), _KeepAliveHandler)
    server.set_app(app)
    return server
