"""The HTTP API under ``/api``: analyse text, read the corpus, ingest and delete (with the token).

Every error is JSON, ``{"error": {"code": ..., "message": ...}}``, with a
status that says what went wrong: 401 (missing or wrong token), 403
(writing disabled: the server has no token), 404 (no such article or actor),
413 (request body over the limit), 422 (invalid input: a bad date, an empty
text, a binary upload; ``code`` is then the newsgraph error code such as
``E011`` when there is one). Lists are paginated with ``limit`` and
``offset`` and say where the next page starts (``next_offset``, null on
the last page).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import ReadArticle
from newsgraph.models import Analysis
from newsgraph.web import ApiError, SafeJSONResponse, WebState, bearer, state_of

router = APIRouter(prefix="/api", tags=["api"])

MAX_LIMIT = 500
"""The largest page a list endpoint returns."""

_ERROR = {
    "description": "error",
    "content": {
        "application/json": {"example": {"error": {"code": "not_found", "message": "no article with id 7"}}}
    },
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _ERROR,
    403: _ERROR,
    404: _ERROR,
    413: _ERROR,
    422: _ERROR,
}


class AnalyzeRequest(BaseModel):
    """Text to analyse (nothing is stored)."""

    text: str = Field(description="The article: plain text (first line may be its headline) or an HTML page.")
    published: str | None = Field(None, description="Publication date, YYYY-MM-DD or ISO 8601.")
    format: Literal["auto", "text", "html"] = Field(
        "auto", description="How to read `text`; auto treats it as HTML when it looks like a page."
    )


class IngestResult(BaseModel):
    stored: int
    skipped: int
    duplicates: int
    failed: int
    errors: list[str]
    warnings: list[str] = []


MAX_DEPTH = 32
"""How deeply a JSON request body may nest (E053, 422 beyond): article records are two levels deep."""

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
DateParam = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive).")]
# NUL and other control characters in query strings are dropped where they meet the store
# (``queries.clean_text``): PostgreSQL refuses NUL, SQLite's LIKE stops at it.
TextParam = Annotated[str | None, Query(max_length=500)]
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1, description="A row id.")]
MinConfidence = Annotated[
    float | None,
    Query(ge=0.0, le=1.0, description="Only statements with at least this confidence (0 to 1)."),
]
ListFormat = Annotated[
    Literal["json", "csv"], Query(description="json (a page object) or csv (the page's rows, with a header).")
]


# ------------------------------------------------------------------ helpers


def as_date(value: str | None) -> dt.date | None:
    """A query-string date, or a 422 (E011) when it is not one."""
    if value is None or not value.strip():
        return None
    from newsgraph.store.queries import as_date as parse

    return parse(value.strip())


def page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """One page of ``items`` fetched with ``limit + 1`` rows: the extra row only says there is more."""
    more = len(items) > limit
    return {
        "items": items[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


def require_writer(request: Request) -> WebState:
    """The token check for writes: 403 when the server has no token, 401 when it is missing or wrong."""
    web = state_of(request)
    if web.token is None:
        raise ApiError(403, "forbidden", "writing is disabled: start the server with a token (--token)")
    if not web.token_ok(bearer(request.headers)):
        raise ApiError(
            401,
            "unauthorized",
            "a valid token is needed (Authorization: Bearer TOKEN)",
            {"WWW-Authenticate": "Bearer"},
        )
    return web


_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p|h1|title|meta)\b", re.I)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("<") and _HTML_START.search(head) is not None


def read_posted_text(
    text: str, *, published: str | None, fmt: str = "auto", name: str = "<text>"
) -> ReadArticle:
    """Posted text (or HTML) as a ``ReadArticle``; 422 (E001) when there is nothing to read.

    Checked as the CLI checks a file: NUL characters or mostly control
    characters are E002 (binary). A lone surrogate (JSON ``"\\ud800"``, which
    no UTF-8 can carry) becomes U+FFFD, one for one, so the offsets still hold:
    the reader does that (warning W010), as for every input.
    """
    from newsgraph.io.reading import _binary_reason, read_html, read_text

    if not text.strip():
        raise NewsgraphError(Errors.E001, path=name)
    reason = _binary_reason(text.encode("utf-8", "surrogatepass"))  # lone surrogates: the reader's
    if reason is not None:
        raise NewsgraphError(Errors.E002, path=name, reason=reason)
    if fmt == "html" or (fmt == "auto" and looks_like_html(text)):
        return read_html(text, name=name, published=published)
    return read_text(text, name=name, published=published)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
UPLOAD_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".json", ".jsonl")


def safe_filename(filename: str | None, default: str = "upload") -> str:
    """An uploaded file's name reduced to a safe base name (no path, no odd characters)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip("._")[:120]
    return base or default


def read_upload(data: bytes, filename: str | None, *, published: str | None) -> list[ReadArticle]:
    """The articles in an uploaded file (text, HTML, JSON or JSONL, recognised like a CLI input).

    Raises the first reading error (E001 empty, E002 binary, E003 undecodable,
    E007 bad JSON, ...) when no article could be read.
    """
    from newsgraph.io.reading import _items_from_bytes  # the reader's bytes path, as for stdin

    name = safe_filename(filename)
    path = Path(name)
    suffix = path.suffix if path.suffix.lower() in UPLOAD_SUFFIXES else ""
    reads: list[ReadArticle] = []
    first_error: NewsgraphError | None = None
    for item in _items_from_bytes(
        data, label=name, stem=path.stem or name, suffix=suffix, path=None, published=published
    ):
        if isinstance(item, NewsgraphError):
            first_error = first_error or item
        else:
            reads.append(item)
    if not reads:
        raise first_error or NewsgraphError(Errors.E001, path=name)
    return reads


async def analyze_request(request: Request) -> tuple[ReadArticle, str | None]:
    """The article of an analyze request: JSON ``{text, published?, format?}`` or a form with
    ``text`` or ``file`` (and ``published``). Returns the read article and the uploaded file name."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        payload = json_body(await request.body())
        try:
            req = AnalyzeRequest.model_validate(payload)
        except ValueError as exc:
            raise ApiError(422, "invalid", _first_error(exc)) from None
        return read_posted_text(req.text, published=req.published or None, fmt=req.format), None
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        published = _form_str(form.get("published")) or None
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read()
            reads = read_upload(data, upload.filename, published=published)
            if len(reads) > 1:
                raise ApiError(
                    422,
                    "invalid",
                    f"the file holds {len(reads)} articles; analyze takes one "
                    "(POST /api/ingest stores several)",
                )
            return reads[0], safe_filename(upload.filename)
        text = _form_str(form.get("text"))
        if text is None:
            raise ApiError(422, "invalid", "give the article as 'text' or upload it as 'file'")
        # Browsers send a text box's line breaks as CRLF but show the text with LF: analyse
        # what the reader sees, so the offsets written into the page index the shown text.
        text = text.replace("\r\n", "\n")
        fmt = _form_str(form.get("format")) or "auto"
        if fmt not in ("auto", "text", "html"):
            raise ApiError(422, "invalid", "format must be auto, text or html")
        return read_posted_text(text, published=published, fmt=fmt), None
    raise ApiError(
        415,
        "unsupported_media_type",
        "send JSON ({\"text\": ...}) or a form (multipart/form-data with 'text' or 'file')",
    )


def json_body(body: bytes) -> Any:
    """The parsed JSON of a request body; 422 when it is not JSON or nests deeper than ``MAX_DEPTH``.

    Why the depth check: Python's parser recurses, so ``[[[[...`` a million
    levels deep (well within the size limit) raises ``RecursionError``; and
    what nests beyond a few levels is no article in any case.
    """
    try:
        payload = json.loads(body)
    except RecursionError:
        raise NewsgraphError(Errors.E053, path="request body") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid", "the body is not valid JSON") from None
    if _depth_exceeds(payload, MAX_DEPTH):
        raise NewsgraphError(Errors.E053, path="request body")
    return payload


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _form_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        for err in errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            return f"{where or 'body'}: {err.get('msg', 'invalid')}"
    return "invalid request body"


def quote_dict(row: Any) -> dict[str, Any]:
    out = row.to_dict()
    out["context"] = f"/articles/{row.article_id}#attribution-{row.attribution_id}"
    return out


# ------------------------------------------------------------------ analyze


_ANALYZE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": AnalyzeRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "file": {"type": "string", "format": "binary"},
                        "published": {"type": "string"},
                        "format": {"type": "string", "enum": ["auto", "text", "html"]},
                    },
                }
            },
        },
    }
}


@router.post(
    "/analyze",
    response_model=Analysis,
    responses={**_ERRORS, 415: _ERROR, 503: _ERROR},
    openapi_extra=_ANALYZE_BODY,
    summary="Analyse an article without storing it",
)
async def analyze(request: Request) -> Any:
    """Find the attributions, actors and authorial sentences in posted text, HTML or an uploaded file.

    Nothing is stored. Bodies over the server's limit (default 1 MB) get 413;
    an analysis over the time budget (default 60 s) gets 422 with E040; with
    too many analyses in progress (default 4) a request gets 503 at once.
    """
    from starlette.concurrency import run_in_threadpool

    web = state_of(request)
    if not web.analyze_slots.acquire(blocking=False):
        raise ApiError(
            503, "busy", "too many analyses in progress; try again shortly", headers={"Retry-After": "5"}
        )
    try:
        read, _ = await analyze_request(request)
        analysis = await run_in_threadpool(web.analyze, read)
    finally:
        web.analyze_slots.release()
    return analysis.model_dump(mode="json")


# ------------------------------------------------------------------ articles


@router.get("/articles", responses=_ERRORS, summary="Stored articles, newest first")
def articles(
    request: Request,
    outlet: TextParam = None,
    since: DateParam = None,
    until: DateParam = None,
    copies: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    from newsgraph.web import data

    store = state_of(request).store()
    rows = data.list_articles(
        store,
        outlet=outlet or None,
        since=as_date(since),
        until=as_date(until),
        include_copies=copies,
        limit=limit + 1,
        offset=offset,
    )
    return page([r.to_dict() for r in rows], limit, offset)


@router.get("/articles/{article_id}", responses=_ERRORS, summary="One stored article with its analysis")
def article(request: Request, article_id: RowId) -> dict[str, Any]:
    """The article, its analysis rebuilt from the store (offsets into ``analysis.article.text``),
    the corpus actor of each local entity, and its near-duplicates."""
    from newsgraph.web import data

    found = data.get_article(state_of(request).store(), article_id)
    if found is None:
        raise ApiError(404, "not_found", f"no article with id {article_id}")
    return found.to_dict()


@router.delete(
    "/articles/{article_id}",
    status_code=204,
    responses=_ERRORS,
    summary="Delete a stored article (token needed)",
)
def delete_article(request: Request, article_id: RowId) -> Response:
    """Removes the article and everything stored with it (attributions, mentions, titles, quotes and
    actors nothing else refers to). Its near-duplicate copies stay."""
    from newsgraph.web import data

    web = require_writer(request)
    if not data.delete_article(web.store(), article_id):
        raise ApiError(404, "not_found", f"no article with id {article_id}")
    return Response(status_code=204)


# ------------------------------------------------------------------ quotes and actors


@router.get("/quotes", responses=_ERRORS, summary="Attributions with the CLI's filters, newest first")
def quotes(
    request: Request,
    speaker: TextParam = None,
    outlet: TextParam = None,
    since: DateParam = None,
    until: DateParam = None,
    search: TextParam = None,
    copies: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
    min_confidence: MinConfidence = None,
    format: ListFormat = "json",
) -> Any:
    """``speaker``: a name or alias (case-insensitive) or ``id:N``; ``outlet``; ``since``/``until``
    dates; ``search``: words and "phrases" that must all occur; ``copies=false`` leaves out
    near-duplicate articles; ``min_confidence`` leaves out less certain statements. ``total``
    counts every match (up to 10,000); ``format=csv`` answers the page as CSV."""
    from newsgraph.store import queries

    if speaker:
        queries.check_actor_name(speaker, "speaker id")  # E050 (422): beyond any row id
    store = state_of(request).store()
    filters: dict[str, Any] = {
        "speaker": speaker or None,
        "outlet": outlet or None,
        "since": as_date(since),
        "until": as_date(until),
        "search": search if search and search.strip() else None,
        "include_copies": copies,
        "min_confidence": min_confidence,
    }
    rows = queries.quotes(store, **filters, limit=limit + 1, offset=offset)
    if format == "csv":
        return Response(queries.quotes_csv(rows[:limit]), media_type="text/csv; charset=utf-8")
    out = page([quote_dict(r) for r in rows], limit, offset)
    out["total"] = queries.count_quotes(store, **filters)
    return out


@router.get("/events", responses=_ERRORS, summary="Events (PLOVER) with the CLI's filters, newest first")
def events(
    request: Request,
    actor: TextParam = None,
    target: TextParam = None,
    type: TextParam = None,
    place: TextParam = None,
    since: DateParam = None,
    until: DateParam = None,
    source: Literal["author", "attributed"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """``actor`` (who acted), ``target`` (to whom), ``place``: names or aliases or ``id:N``;
    ``type``: a PLOVER type; ``since``/``until``: the event's date; ``source``: ``author`` (the
    article's own voice) or ``attributed`` (reported in a statement). Items are the rows of
    ``newsgraph events --format json``."""
    from newsgraph.store.events import events as stored_events

    rows = stored_events(
        state_of(request).store(),
        actor=actor or None,
        target=target or None,
        type=type or None,
        place=place or None,
        since=as_date(since),
        until=as_date(until),
        source=source,
        limit=limit + 1,
        offset=offset,
    )
    return page([r.to_dict() for r in rows], limit, offset)


@router.get("/actors", responses=_ERRORS, summary="The most quoted actors")
def actors(
    request: Request,
    top: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    copies: bool = True,
    offset: Offset = 0,
    format: ListFormat = "json",
) -> Any:
    """``top`` actors from ``offset`` on, most quoted first; ``total``: how many actors have statements."""
    from newsgraph.store import queries

    store = state_of(request).store()
    rows, total = queries.actors_page(store, top=top, include_copies=copies, offset=offset)
    if format == "csv":
        return Response(queries.actors_csv(rows), media_type="text/csv; charset=utf-8")
    return {"items": [r.to_dict() for r in rows], "top": top, "offset": offset, "total": total}


def actor_dict(detail: Any) -> dict[str, Any]:
    out = detail.to_dict()
    out["statements"] = [quote_dict(r) for r in detail.statements]
    return out


@router.get("/actors/{actor_id}", responses=_ERRORS, summary="One actor: titles, statements, relations")
def actor_by_id(
    request: Request,
    actor_id: RowId,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Offset = 0,
    min_confidence: MinConfidence = None,
) -> dict[str, Any]:
    """The actor with their statements, ``limit`` from ``offset`` on, at least ``min_confidence``."""
    from newsgraph.store import queries

    detail = queries.actor(
        state_of(request).store(), f"id:{actor_id}", limit=limit, offset=offset, min_confidence=min_confidence
    )
    if detail is None:
        raise ApiError(404, "not_found", f"no actor with id {actor_id}")
    return actor_dict(detail)


@router.get("/actor", responses={**_ERRORS, 300: _ERROR}, summary="One actor by name or alias")
def actor_by_name(
    request: Request,
    name: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    min_confidence: MinConfidence = None,
) -> Any:
    """The actor called ``name`` (an alias, case-insensitive). When several actors have that name the
    answer is 300 with ``error.candidates``, one of which can be asked for by id."""
    from newsgraph.store import queries

    queries.check_actor_name(name, "name id")  # E050 (422): beyond any row id
    try:
        detail = queries.actor(state_of(request).store(), name, limit=limit, min_confidence=min_confidence)
    except queries.AmbiguousActor as exc:
        return SafeJSONResponse(
            {
                "error": {
                    "code": "ambiguous",
                    "message": f"{name!r} names {len(exc.candidates)} actors",
                    "candidates": [c.to_dict() for c in exc.candidates],
                }
            },
            status_code=300,
        )
    if detail is None:
        raise ApiError(404, "not_found", f"no actor called {name!r}")
    return actor_dict(detail)


@router.get("/search", responses=_ERRORS, summary="Search actors, quotes and articles")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Actors whose name contains ``q``; quotes and articles containing every word and "phrase"."""
    from newsgraph.store import queries
    from newsgraph.web import data

    store = state_of(request).store()
    return {
        "query": q,
        "actors": data.search_actors(store, q, limit=limit),
        "quotes": [quote_dict(r) for r in queries.quotes(store, search=q, limit=limit)],
        "articles": [a.to_dict() for a in data.search_articles(store, q, limit=limit)],
    }


@router.get("/network", responses=_ERRORS, summary="Actors and who addresses or is quoted with whom")
def network(
    request: Request,
    since: DateParam = None,
    until: DateParam = None,
    top: Annotated[int, Query(ge=1, le=200)] = 40,
    copies: bool = True,
) -> dict[str, Any]:
    """Nodes (the ``top`` actors by statements in the period, with layout positions in a
    1000×1000 box) and edges: ``addresses`` (directed) and ``co-quoted`` (both sources in the
    same article), each with its count."""
    from newsgraph.web import data

    net = data.network(
        state_of(request).store(), since=as_date(since), until=as_date(until), top=top, include_copies=copies
    )
    return net.to_dict()


# ------------------------------------------------------------------ ingest


_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "description": "An article record: text (or html), "
                        "title, authors, published, outlet, url, id",
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "published": {"type": "string"},
                    },
                }
            },
        },
    }
}


@router.post(
    "/ingest",
    response_model=IngestResult,
    responses={**_ERRORS, 415: _ERROR},
    openapi_extra=_INGEST_BODY,
    summary="Analyse and store articles (token needed)",
)
async def ingest(request: Request, published: DateParam = None) -> Any:
    """Store articles through the ingest path (already stored ones are skipped, near-copies
    linked): a JSON list of article records, or an uploaded file (text, HTML, JSON, JSONL)."""
    from starlette.concurrency import run_in_threadpool

    web = require_writer(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        records = json_body(await request.body())
        if isinstance(records, dict) and isinstance(records.get("articles"), list):
            records = records["articles"]
        if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
            raise ApiError(422, "invalid", "expected a non-empty JSON list of article objects")
        # ASCII escapes: a lone surrogate ("\ud800") travels as its escape to the reader, which
        # cleans it, rather than failing to encode here.
        name, data = "articles.json", json.dumps(records, ensure_ascii=True).encode("ascii")
    elif ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "invalid", "upload the articles as 'file'")
        data = await upload.read()
        if not data.strip():
            raise NewsgraphError(Errors.E001, path=safe_filename(upload.filename))
        name = safe_filename(upload.filename, "articles")
        if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
            name += ".upload"  # an unknown extension: the reader recognises the format from the content
        published = published or _form_str(form.get("published"))
    else:
        raise ApiError(415, "unsupported_media_type", "send a JSON list of articles or a multipart upload")
    published_iso = as_date(published).isoformat() if published else None  # E011 before any work
    summary = await run_in_threadpool(_ingest_bytes, web, name, data, published_iso)
    return IngestResult(
        stored=summary.stored,
        skipped=summary.skipped,
        duplicates=summary.duplicates,
        failed=summary.failed,
        errors=summary.errors,
        warnings=summary.warnings,
    )


def _ingest_bytes(web: WebState, name: str, data: bytes, published: str | None) -> Any:
    """Write the upload to a private temporary directory and ingest that file into the store."""
    from newsgraph.store.ingest import ingest as run_ingest

    store = web.store()
    with tempfile.TemporaryDirectory(prefix="newsgraph-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with web.analysis_lock:
            summary = run_ingest([str(path)], db=store, n_process=1, published=published, progress=False)
        # Messages name the upload, not the temporary directory it passed through.
        summary.errors = [e.replace(str(path), name).replace(tmp + "/", "") for e in summary.errors]
        summary.warnings = [w.replace(str(path), name).replace(tmp + "/", "") for w in summary.warnings]
        return summary


# ------------------------------------------------------------------ figures (the claims ledger)


@router.get("/figures", responses=_ERRORS, summary="Figures and who claims each, newest first")
def figures(
    request: Request,
    speaker: TextParam = None,
    author_only: bool = False,
    unit: TextParam = None,
    concept: TextParam = None,
    since: DateParam = None,
    until: DateParam = None,
    article: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="One article's id.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    format: ListFormat = "json",
) -> Any:
    """``newsgraph figures`` as JSON: ``speaker`` (a name, alias or ``id:N``), ``author_only``
    (only the articles' own figures), ``unit``, ``concept`` (words that must all occur in the
    concept or around the figure), ``since``/``until`` dates, ``article`` (one article's id)."""
    from newsgraph.store import facts, queries

    if speaker:
        queries.check_actor_name(speaker, "speaker id")  # E050 (422): beyond any row id
    filters: dict[str, Any] = {
        "speaker": speaker or None,
        "author_only": author_only,
        "unit": unit or None,
        "concept": concept if concept and concept.strip() else None,
        "since": as_date(since),
        "until": as_date(until),
        "article_id": article,
    }
    store = state_of(request).store()
    rows = facts.claims(store, **filters, limit=limit + 1, offset=offset)
    if format == "csv":
        return Response(facts.claims_csv(rows[:limit]), media_type="text/csv; charset=utf-8")
    out = page([r.to_dict() for r in rows], limit, offset)
    # no total for concept words, matched on the text row by row (as on the /claims page)
    out["total"] = None if filters["concept"] else facts.count_claims(store, **filters)
    return out


def _claims_page(rows: list[Any], limit: int, offset: int, total: int) -> dict[str, Any]:
    """A page of claims as the Claims lists show them (``pages.claim_dict``), with their total."""
    from newsgraph.web.pages import claim_dict

    out = page([_claim_item(claim_dict(r)) for r in rows], limit, offset)
    out["total"] = total
    return out


def _claim_item(row: dict[str, Any]) -> dict[str, Any]:
    """A claim for the API: the ``newsgraph figures`` keys plus ``href`` and ``shown`` (the view's
    helpers ``parts`` and ``sort_value`` stay in the page)."""
    from newsgraph.web.pages import VIEW_ONLY

    return {k: v for k, v in row.items() if k not in VIEW_ONLY}


@router.get(
    "/articles/{article_id}/claims",
    responses=_ERRORS,
    summary="One article's claims: its figures and who puts each forward",
)
def article_claims(
    request: Request,
    article_id: RowId,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The article's figures, in text order, each with ``speaker`` (``null``: the article's own voice),
    its ``sentence`` and ``href`` (its place in the article page); ``total`` counts them all."""
    from newsgraph.store import facts
    from newsgraph.web import data

    store = state_of(request).store()
    if not data.article_exists(store, article_id):
        raise ApiError(404, "not_found", f"no article with id {article_id}")
    rows = facts.claims(store, article_id=article_id, limit=facts.ARTICLE_MAX)
    rows.sort(key=lambda r: (r.start, r.figure_id))
    total = len(rows)
    return _claims_page(rows[offset : offset + limit + 1], limit, offset, total)


@router.get(
    "/actors/{actor_id}/claims",
    responses=_ERRORS,
    summary="One actor's claims: every figure they put forward, newest first",
)
def actor_claims(
    request: Request,
    actor_id: RowId,
    unit: TextParam = None,
    since: DateParam = None,
    until: DateParam = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every figure in the statements of the actor, newest first, with its ``sentence`` and ``href``;
    ``unit``, ``since``/``until`` narrow it; ``total`` counts every match (up to 10,000)."""
    from newsgraph.store import facts, queries

    store = state_of(request).store()
    if queries.actor(store, f"id:{actor_id}", limit=0) is None:
        raise ApiError(404, "not_found", f"no actor with id {actor_id}")
    filters: dict[str, Any] = {
        "speaker": f"id:{actor_id}",
        "unit": unit or None,
        "since": as_date(since),
        "until": as_date(until),
    }
    rows = facts.claims(store, **filters, limit=limit + 1, offset=offset)
    return _claims_page(rows, limit, offset, facts.count_claims(store, **filters))
