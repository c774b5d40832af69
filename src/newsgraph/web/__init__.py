"""The web app: an HTTP API under ``/api`` and server-rendered pages over the corpus store.

Why FastAPI with server-rendered Jinja pages and a little plain JavaScript:
the API gets its OpenAPI schema (``/api/openapi.json``) and request
validation for free, the pages work without any script (the script only adds
the hover/focus details of a highlighted span), and every asset is served
from ``web/static`` (no CDN), so the app runs on a machine without internet.

Security, because article text is untrusted (anyone can write an article
that contains ``<script>``):

* Jinja autoescaping is on for every template and nothing builds HTML from
  strings; links to articles and actors use only ids we generate, and an
  article's own URL is a link only when its scheme is http or https.
* Every response carries a strict Content-Security-Policy (no inline script
  or style, nothing from other origins), ``X-Content-Type-Options: nosniff``
  and ``Referrer-Policy: no-referrer``.
* Request bodies over ``max_bytes`` are refused with 413 before the app
  reads them; tokens are compared with ``hmac.compare_digest``.
* Writing (``POST /api/ingest``, ``DELETE /api/articles/{id}``) needs the
  token given at start (``Authorization: Bearer TOKEN``); with
  ``private=True`` reading needs it too (the browser pages accept the
  cookie set by the ``/login`` form). Without a token, writing is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsgraph.analysis.budget import DEFAULT_TIME_BUDGET
from newsgraph.errors import NewsgraphError

if TYPE_CHECKING:
    from newsgraph.io.reading import ReadArticle
    from newsgraph.models import Analysis
    from newsgraph.store import Store

HERE = Path(__file__).resolve().parent

MAX_BYTES = 1_000_000
"""Default limit on a request body (1 MB): larger analyze and ingest requests get 413.

Why this size: a news article is a few kilobytes and its analysis takes a
fraction of a second; a megabyte is a few hundred articles for ingest, a
request that still answers within a minute.
"""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}

MAX_ANALYSES = 4
"""Default limit on POST /api/analyze requests in progress (one runs, the others wait their turn).

Why: analyses run one at a time, each within the time budget; beyond this
many waiting, a new request gets 503 at once (with Retry-After) rather than
queueing behind minutes of work, and reading requests are never held up.
"""

COOKIE = "newsgraph_session"
"""The cookie the ``/login`` form sets in private mode: an HMAC of the token, never the token itself."""

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]
]


class SafeJSONResponse(JSONResponse):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` escapes (the same JSON to any parser).

    Why: article text is untrusted, and a JSON answer holding ``<script>``
    must not become markup even for a client that mistakes it for HTML.
    Those characters only ever occur inside JSON strings, so the escapes are exact.
    """

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        # "replace": a lone surrogate that got this far becomes "?", one for one, not a 500.
        return text.encode("utf-8", "replace")


class ApiError(Exception):
    """An expected failure with an HTTP status, a short code and a one-line message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_status(error: NewsgraphError) -> int:
    """The HTTP status for a coded newsgraph error: 413 for size limits, 404 for unknown names, else 422."""
    if error.code in ("E004", "E015", "E025"):
        return 413
    if error.code in ("E020", "E022"):
        return 404
    return 422


class WebState:
    """What the routes share: settings, the store (opened on first use) and the analysis lock.

    Why a lock around analysis: the spaCy pipeline is one object per process
    and FastAPI runs requests in threads; analyses are short, so one at a
    time costs little and keeps the pipeline's state consistent.
    """

    def __init__(
        self,
        db: str | None,
        token: str | None,
        private: bool,
        max_bytes: int,
        time_budget: float | None = DEFAULT_TIME_BUDGET,
        max_analyses: int = MAX_ANALYSES,
    ) -> None:
        self.db = db
        self.token = token or None
        self.private = private
        self.max_bytes = max_bytes
        self.time_budget = time_budget
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self.analysis_lock = threading.Lock()
        # Requests admitted to POST /api/analyze (running or waiting for the lock); others get 503.
        self.analyze_slots = threading.BoundedSemaphore(max_analyses)

    # -------------------------------------------------------------- store

    def store(self) -> Store:
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    from newsgraph.store import open_store

                    try:
                        self._store = open_store(self.db)
                    except NewsgraphError:
                        raise
                    except Exception as exc:
                        raise ApiError(
                            503, "store_unavailable", f"cannot open the database: {type(exc).__name__}"
                        ) from None
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # -------------------------------------------------------------- analysis

    def analyze(self, read: ReadArticle) -> Analysis:
        from newsgraph.analysis import pipeline

        if len(read.article.text) > pipeline.MAX_CHARS:
            from newsgraph.errors import Errors

            raise NewsgraphError(
                Errors.E015, path=read.name, size=len(read.article.text), limit=pipeline.MAX_CHARS
            )
        with self.analysis_lock:
            result = next(pipeline.analyze_articles([read], time_budget=self.time_budget))
        if isinstance(result, NewsgraphError):
            raise result  # E040: over the time budget
        return result

    # -------------------------------------------------------------- tokens

    def session_value(self) -> str | None:
        if self.token is None:
            return None
        return hmac.new(self.token.encode(), b"newsgraph-session", hashlib.sha256).hexdigest()

    def token_ok(self, given: str | None) -> bool:
        """Constant-time comparison of a presented token with ours (False when either is missing)."""
        if self.token is None or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self.token.encode())

    def cookie_ok(self, given: str | None) -> bool:
        expected = self.session_value()
        if expected is None or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


def bearer(headers: Any) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, if any."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def state_of(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


# ------------------------------------------------------------------ middleware


class SecurityHeaders:
    """Adds the CSP and the other security headers to every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in SECURITY_HEADERS
                ]
                headers.extend((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Guard:
    """Private mode and body size, checked before the app reads anything.

    In private mode every path but ``/static/`` and ``/login`` needs the token
    (header) or the login cookie: 401 otherwise. A body over ``max_bytes``
    (by its Content-Length, or counted while reading when there is none) is
    answered 413 without being passed on; a body within the limit is read
    here (at most ``max_bytes``) and replayed to the app.
    """

    def __init__(self, app: ASGIApp, web: WebState) -> None:
        self.app = app
        self.web = web

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if (
            self.web.private
            and not (path.startswith("/static/") or path == "/login")
            and not self._reader_ok(headers)
        ):
            await self._refuse(
                scope,
                receive,
                send,
                401,
                "unauthorized",
                "this server is private: a valid token is needed (Authorization: Bearer TOKEN)",
                path,
            )
            return
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            length = headers.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > self.web.max_bytes:
                await self._too_large(scope, receive, send, path)
                return
            body = bytearray()
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.extend(message.get("body", b""))
                more = message.get("more_body", False)
                if len(body) > self.web.max_bytes:
                    await self._too_large(scope, receive, send, path)
                    return
            replayed = False

            async def replay() -> MutableMapping[str, Any]:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": bytes(body), "more_body": False}
                return await receive()

            await self._run(scope, replay, send, path)
            return
        await self._run(scope, receive, send, path)

    async def _run(self, scope: Any, receive: Any, send: Any, path: str) -> None:
        """Run the app; an unexpected exception becomes a coded 500 answer (inside the security
        headers, which Starlette's own last-resort handler would bypass), never a traceback."""
        started = False

        async def tracking_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            await self._refuse(
                scope, receive, send, 500, "internal", f"internal error: {type(exc).__name__}", path
            )

    def _reader_ok(self, headers: dict[str, str]) -> bool:
        if self.web.token_ok(bearer(headers)):
            return True
        cookie = headers.get("cookie", "")
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and self.web.cookie_ok(value):
                return True
        return False

    async def _too_large(self, scope: Any, receive: Any, send: Any, path: str) -> None:
        await self._refuse(
            scope,
            receive,
            send,
            413,
            "too_large",
            f"the request body is over the limit of {self.web.max_bytes:,} bytes",
            path,
        )

    async def _refuse(
        self, scope: Any, receive: Any, send: Any, status: int, code: str, message: str, path: str
    ) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if path.startswith("/api"):
            response: Response = SafeJSONResponse(
                {"error": {"code": code, "message": message}}, status_code=status, headers=headers
            )
        else:
            from newsgraph.web.pages import render_error

            response = render_error(status, message, login=status == 401, headers=headers)
        await response(scope, receive, send)


# ------------------------------------------------------------------ errors


def _json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return SafeJSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "store_unavailable",
}


def _respond(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api"):
        return _json_error(status, code, message, headers)
    from newsgraph.web.pages import render_error

    return render_error(status, message, login=status == 401, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(NewsgraphError)
    async def _newsgraph_error(request: Request, exc: NewsgraphError) -> Response:
        return _respond(request, error_status(exc), exc.code, " ".join(str(exc).split()))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return _respond(request, 422, "invalid", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return _respond(request, exc.status_code, code, message, dict(exc.headers or {}))


# ------------------------------------------------------------------ the app


def create_app(
    db: str | None = None,
    *,
    token: str | None = None,
    private: bool = False,
    max_bytes: int = MAX_BYTES,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    max_analyses: int = MAX_ANALYSES,
) -> FastAPI:
    """The web app over the corpus database ``db`` (None: ``newsgraph.db`` here, see ``open_store``).

    ``token`` enables writing (ingest, delete) for requests that present it;
    ``private`` requires it for reading too (``ValueError`` without a token).
    ``max_bytes`` limits request bodies (413 above). The store is opened on
    the first request that needs it, so analysing text works without one.
    ``time_budget`` is the seconds one analysis may take (E040, 422, after
    it; None or 0: no limit) and ``max_analyses`` the analyze requests in
    progress at once (503 beyond it).
    """
    if private and not token:
        raise ValueError("private mode needs a token")
    if max_bytes < 1:
        raise ValueError("max_bytes must be at least 1")
    if max_analyses < 1:
        raise ValueError("max_analyses must be at least 1")
    from newsgraph import __version__
    from newsgraph.web import api, pages

    app = FastAPI(
        title="newsgraph",
        version=__version__,
        description="Who said what, to whom, according to whom: attributions in news articles.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN and inline: not under our CSP
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )
    web = WebState(db, token, private, max_bytes, time_budget, max_analyses)
    app.state.web = web
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, web=web)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["CSP", "MAX_BYTES", "ApiError", "create_app"]
