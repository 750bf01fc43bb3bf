"""Fakes for preflight tests: botocore `before-send` responders and faults, and a loopback HTTP
server that the real Google and Groq client libraries talk to."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

# ---------------------------------------------------------------------------------------------
# botocore: answers and faults injected at `before-send` (below botocore's retry logic)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any):
        yield self._body


def aws_response(request: Any, status: int, body: bytes, content_type: str) -> AWSResponse:
    return AWSResponse(request.url, status, {"Content-Type": content_type, "x-amzn-RequestId": "fake"}, _Raw(body))


def ec2_error(request: Any, status: int, code: str, message: str = "injected") -> AWSResponse:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
        f"<RequestID>fake</RequestID></Response>"
    ).encode()
    return aws_response(request, status, body, "text/xml")


def json_error(request: Any, status: int, code: str, message: str = "injected") -> AWSResponse:
    return aws_response(request, status, json.dumps({"__type": code, "message": message}).encode(), "application/x-amz-json-1.1")


def json_ok(request: Any, doc: dict[str, Any]) -> AWSResponse:
    return aws_response(request, 200, json.dumps(doc).encode(), "application/x-amz-json-1.1")


@dataclass
class Fault:
    """One injected fault: what each attempt gets, for the first ``times`` attempts (None: all)."""

    name: str
    make: Callable[[Any], Any]
    """request -> AWSResponse to return, or an exception instance to raise."""
    times: int | None = None


def throttle(code: str, protocol: str = "ec2") -> Callable[[Any], Any]:
    if protocol == "ec2":
        return lambda r: ec2_error(r, 503 if code == "RequestLimitExceeded" else 400, code, "Rate exceeded")
    return lambda r: json_error(r, 400, code, "Rate exceeded")


def http_status(status: int, protocol: str = "ec2") -> Callable[[Any], Any]:
    if protocol == "ec2":
        return lambda r: ec2_error(r, status, "InternalError" if status == 500 else "Unavailable", f"HTTP {status}")
    return lambda r: json_error(r, status, "ServiceException", f"HTTP {status}")


def read_timeout() -> Callable[[Any], Any]:
    return lambda r: ReadTimeoutError(endpoint_url=r.url)


def connect_timeout() -> Callable[[Any], Any]:
    return lambda r: ConnectTimeoutError(endpoint_url=r.url)


@dataclass
class Injector:
    """A `before-send` handler: faults per (service, operation[, region]); counts every attempt."""

    faults: dict[tuple[str, ...], Fault] = field(default_factory=dict)
    answers: dict[tuple[str, str], Callable[[Any], AWSResponse]] = field(default_factory=dict)
    parsed: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    """Answers given at `before-call` as parsed dicts (params -> response), like Stubber but by
    operation: for operations moto raises NotImplementedError on, whose `before-send` it still sees."""
    attempts: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        region = client.meta.region_name

        def before_send(request: Any, event_name: str, **_: Any) -> Any:
            operation = event_name.rsplit(".", 1)[-1]
            with self._lock:
                self.attempts[(service, operation, region)] += 1
                n = self.attempts[(service, operation, region)]
            fault = self.faults.get((service, operation, region)) or self.faults.get((service, operation))
            if fault is not None and (fault.times is None or n <= fault.times):
                out = fault.make(request)
                if isinstance(out, Exception):
                    raise out
                return out
            answer = self.answers.get((service, operation))
            return answer(request) if answer else None

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["fake_api_params"] = dict(params)

        def before_call(model: Any, context: dict[str, Any], **_: Any) -> Any:
            answer = self.parsed.get((service, model.name))
            if answer is None:
                return None
            with self._lock:
                self.attempts[(service, model.name, region)] += 1
            return AWSResponse("https://fake", 200, {}, _Raw(b"")), answer(context.get("fake_api_params", {}))

        client.meta.events.register_first("before-send", before_send)  # ahead of moto's own responder
        client.meta.events.register("before-parameter-build", keep_params)
        client.meta.events.register("before-call", before_call)


def quotas_answer(values: dict[str, float], names: dict[str, str] | None = None) -> Callable[[Any], AWSResponse]:
    """A ListServiceQuotas answer (one page) listing ``values`` by code, with catalog names."""
    from siliconfleet import catalog

    known = {q.code: q.name for fam in catalog.ec2_quotas().values() for q in (fam.on_demand, fam.spot)}
    names = {**known, **(names or {})}

    def answer(request: Any) -> AWSResponse:
        return json_ok(request, {"Quotas": [
            {"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": names.get(code, code), "Value": value,
             "Unit": "None", "Adjustable": True}
            for code, value in values.items()
        ]})

    return answer


# ---------------------------------------------------------------------------------------------
# Loopback HTTP server for the Google and Groq clients


Handler = Callable[["Request"], tuple[int, dict[str, str], Any]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class LoopbackServer:
    """An HTTP server on 127.0.0.1 with routes ``(method, path regex) -> handler``; records every request.

    A handler returns (status, headers, body); a dict or list body is sent as JSON.
    """

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                              self.rfile.read(length) if length else b"")
                with server._lock:
                    server.requests.append(req)
                for method, pattern, handler in server.routes:
                    m = pattern.fullmatch(parts.path)
                    if method == self.command and m:
                        with server._lock:
                            server.hits[pattern.pattern] += 1
                        req.match = m
                        status, headers, body = handler(req)
                        break
                else:
                    status, headers, body = 404, {}, {"error": {"code": 404, "message": f"no route for {self.command} {parts.path}", "status": "NOT_FOUND"}}
                data = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or b"")
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *_: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.insert(0, (method, re.compile(pattern), handler))

    def count(self, pattern: str) -> int:
        return self.hits[pattern]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def google_error(code: int, status: str, message: str, reason: str | None = None, metadata: dict[str, str] | None = None) -> dict:
    details = []
    if reason:
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com",
                        "metadata": metadata or {}})
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


def sequence(*answers: tuple[int, dict[str, str], Any]) -> Handler:
    """A handler that gives ``answers`` in turn, then repeats the last one."""
    state = {"n": 0}
    lock = threading.Lock()

    def handler(_: Request) -> tuple[int, dict[str, str], Any]:
        with lock:
            i = min(state["n"], len(answers) - 1)
            state["n"] += 1
        status, headers, body = answers[i]
        return status, dict(headers), body

    return handler


def service_quotas_server_handler(values: dict[str, float]) -> Handler:
    """A Service Quotas endpoint over HTTP (JSON 1.1): ListServiceQuotas lists ``values`` with the
    catalog's names; anything else is NoSuchResourceException."""
    from siliconfleet import catalog

    names = {q.code: q.name for fam in catalog.ec2_quotas().values() for q in (fam.on_demand, fam.spot)}

    def handler(req: Request) -> tuple[int, dict[str, str], Any]:
        target = req.headers.get("x-amz-target", "")
        if target.endswith(".ListServiceQuotas"):
            return 200, {"Content-Type": "application/x-amz-json-1.1"}, {"Quotas": [
                {"ServiceCode": "ec2", "QuotaCode": c, "QuotaName": names.get(c, c), "Value": v, "Adjustable": True}
                for c, v in values.items()
            ]}
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, {"__type": "NoSuchResourceException", "message": target}

    return handler
