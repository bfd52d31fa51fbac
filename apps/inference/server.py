"""The inference worker's own endpoint: interactive calls reach the models without a queue.

A worker that consumes the ``inference`` queue and has ``INFERENCE_SERVER_LISTEN`` set
(``manage.py serve`` sets a Unix socket under VAR_DIR; docker-compose a TCP port on the
private network, with ``INFERENCE_SERVER_TOKEN``) also listens there. The web process sends
each interactive call (a streamed draft, a support answer, one classification) to it
(``backends/server.py``) instead of the queue, so the call never waits for a free worker
thread behind bulk job items, and tokens stream as they are made instead of through the
result backend. Inside the worker the call joins the model's running batch in the
interactive lane (engine/serving.py), ahead of bulk rows.

The protocol is small JSON over HTTP, the same payloads as the inference tasks (the model
spec travels with the call): ``POST /v1/run`` answers ``{"ok": [...]}`` or ``{"error": ...}``;
``POST /v1/stream`` answers newline-delimited JSON events, the last one ``{"final": ...}`` or
``{"error": ...}``. Each connection has a thread of its own (they only wait on the model).
Importing this module does not import torch.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import socketserver
import stat
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings

from .errors import InferenceError
from .lanes import lane
from .registry import spec_from_dict
from .types import GenerationRequest

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024


def run_operation(operation: str, spec: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """One call on this process's local models: ``{"ok": results}`` or ``{"error": {type, message}}``."""
    from .backends.local import LocalBackend

    backend, model = LocalBackend(), spec_from_dict(spec)
    try:
        if operation == "generate":
            requests = [GenerationRequest.from_dict(item) for item in payload["requests"]]
            return {"ok": [result.to_dict() for result in backend.generate(requests, model)]}
        if operation == "classify":
            return {"ok": [result.to_dict() for result in backend.classify(payload["texts"], model)]}
        if operation == "embed":
            results = backend.embed(payload["texts"], model, kind=payload.get("kind", "passage"))
            return {"ok": [result.to_dict() for result in results]}
    except InferenceError as error:
        return error_payload(error)
    raise ValueError(f"Unknown inference operation {operation!r}.")


def error_payload(error: InferenceError) -> dict[str, Any]:
    return {"error": {"type": type(error).__name__, "message": str(error)}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecomai-inference"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("inference server: " + format, *args)

    def _authorised(self) -> bool:
        token = str(getattr(settings, "INFERENCE_SERVER_TOKEN", "") or "")
        if not token:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any] | None:
        """The JSON body (always read first, so the connection stays in step), or None once answered."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY_BYTES:
            self.close_connection = True  # the unread body must not be taken for the next request
            status = 413 if length > MAX_BODY_BYTES else 400
            self._send_json(status, {"error": {"type": "InvalidRequest", "message": "bad body"}})
            return None
        raw = self.rfile.read(length)
        if not self._authorised():
            self._send_json(401, {"error": {"type": "InvalidRequest", "message": "unauthorised"}})
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._send_json(
                400, {"error": {"type": "InvalidRequest", "message": "the body is not a JSON object"}}
            )
            return None
        return body

    def do_GET(self) -> None:
        if self.path == "/v1/health":
            self._send_json(200, {"ok": True, "pid": os.getpid()})
        elif self.path == "/v1/stats":
            if self._authorised():
                self._send_json(200, stats())
            else:
                self._send_json(401, {"error": {"type": "InvalidRequest", "message": "unauthorised"}})
        else:
            self._send_json(404, {"error": {"type": "InvalidRequest", "message": "not found"}})

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        try:
            if self.path == "/v1/run":
                with lane("interactive"):
                    result = run_operation(str(body["operation"]), body["spec"], body["payload"])
                self._send_json(200, result)
            elif self.path == "/v1/stream":
                self._stream(body)
            else:
                self._send_json(404, {"error": {"type": "InvalidRequest", "message": "not found"}})
        except (KeyError, TypeError, ValueError) as error:
            self._send_json(400, {"error": {"type": "InvalidRequest", "message": f"bad call: {error}"}})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller went away
        except Exception as error:  # never a traceback to the caller; the log has it
            logger.exception("inference server: the call failed")
            self._send_json(500, {"error": {"type": "InferenceError", "message": str(error)[:300]}})

    def _stream(self, body: dict[str, Any]) -> None:
        from .backends.local import LocalBackend

        spec, request = spec_from_dict(body["spec"]), GenerationRequest.from_dict(body["request"])
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(event: dict[str, Any]) -> None:
            data = json.dumps(event).encode() + b"\n"
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        events = None
        try:
            with lane("interactive"):
                events = LocalBackend().generate_stream(request, spec)
                for event in events:
                    if event.final:
                        send({"final": asdict(event)})
                        break
                    send({"delta": event.delta})
        except InferenceError as error:
            send(error_payload(error))
        finally:
            if events is not None and hasattr(events, "close"):
                events.close()  # a caller that went away stops its rows
        self.wfile.write(b"0\r\n\r\n")


def stats() -> dict[str, Any]:
    """What this process's models have done: the generation servers' counters, the encoders' seconds."""
    import sys

    if "apps.inference.backends.local" not in sys.modules:
        return {"pid": os.getpid(), "servers": [], "engine_seconds": {}}
    from .backends.local import engine_seconds
    from .engine.serving import servers

    return {
        "pid": os.getpid(),
        "engine_seconds": engine_seconds(),
        "servers": [
            {
                "model": server.loaded.spec.key,
                "max_rows": server.max_rows,
                "reserved_interactive_rows": server.reserved,
                "running_rows": len(server._rows),
                "prefix_cache": {
                    "entries": len(server.prefixes),
                    "bytes": server.prefixes.total_bytes,
                    "hits": server.prefixes.hits,
                    "misses": server.prefixes.misses,
                },
                **asdict(server.stats),
            }
            for server in servers()
        ],
    }


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self) -> tuple[Any, Any]:
        request, _address = super().get_request()
        return request, ("unix", 0)  # the handler expects a (host, port) address


class _TCPServer(ThreadingHTTPServer):
    daemon_threads = True


def make_server(listen: str) -> socketserver.BaseServer:
    """A server for ``unix:/path/to.sock`` or ``host:port``."""
    if listen.startswith("unix:"):
        path = Path(listen.removeprefix("unix:"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
            path.unlink()  # left behind by a worker that was killed
        old_mask = os.umask(0o177)  # only this user may connect
        try:
            server: socketserver.BaseServer = _UnixServer(str(path), _Handler)
        finally:
            os.umask(old_mask)
        return server
    host, _, port = listen.rpartition(":")
    return _TCPServer((host or "127.0.0.1", int(port)), _Handler)


_running: socketserver.BaseServer | None = None


def start(listen: str) -> socketserver.BaseServer:
    """Listens on ``listen`` in a background thread (once per process)."""
    global _running
    if _running is None:
        _running = make_server(listen)
        threading.Thread(target=_running.serve_forever, name="inference-server", daemon=True).start()
        logger.info("inference server listening on %s", listen)
    return _running


def stop() -> None:
    global _running
    server, _running = _running, None
    if server is not None:
        server.shutdown()
        server.server_close()
        address = server.server_address
        if isinstance(address, str) and os.path.exists(address):
            os.unlink(address)
