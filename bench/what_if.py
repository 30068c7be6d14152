"""sipas with candidate fixes applied from outside app/, to measure what each would buy.

Nothing here changes app/: it wraps the real create_app() and swaps pieces at run time, so a
benchmark run can show the effect of a proposed change before anyone writes it properly.

    BENCH_WHATIF=async_deps,no_ping,cache_form,cache_render,store_cte \
        uvicorn --factory --app-dir bench what_if:create

Flags (comma-separated, any subset):
  async_deps    the four trivial dependencies (_settings, _catalogue, _templates, _signer) as
                ``async def``, so FastAPI stops sending each of them through the thread pool
                (4 thread hops per request)
  no_ping       engine without pool_pre_ping (one fewer round trip per checkout)
  cache_form    counter_form() memoised for 30 s per (unit code, day): the GET needs no
                database at all, the POST no SELECTs
  cache_render  the form page rendered once per (unit, round, form version, lang) with a
                placeholder, the fresh signed sid substituted per request
  store_cte     store_response() as ONE statement (INSERT response ... ON CONFLICT DO NOTHING
                RETURNING id, then INSERT answers from unnest() arrays, in one CTE) on the
                session's own asyncpg connection and transaction
The pool size is an environment setting already (SIPAS_DB_POOL_SIZE).
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import Request  # at module level: the overrides' annotations are resolved here

FLAGS = {f for f in os.environ.get("BENCH_WHATIF", "").split(",") if f}
KNOWN = {"async_deps", "no_ping", "cache_form", "cache_render", "store_cte"}
if FLAGS - KNOWN:
    raise SystemExit(f"unknown BENCH_WHATIF flags: {sorted(FLAGS - KNOWN)}")

PLACEHOLDER = "SIDPLACEHOLDER0123456789"
STORE_SQL = """
WITH r AS (
    INSERT INTO response (submission_id, round_id, unit_id, form_version_id, channel, status,
                          submitted_at)
    VALUES ($1, $2, $3, $4, $5, 'valid', now())
    ON CONFLICT (submission_id) DO NOTHING
    RETURNING id
)
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT r.id, a.question, a.ordinal, a.value, a.text
FROM r, unnest($6::text[], $7::int2[], $8::float8[], $9::text[])
     AS a(question, ordinal, value, text)
"""


def create() -> Any:
    import app.db as dbmod

    if "no_ping" in FLAGS:
        real_engine = dbmod.create_async_engine

        def create_async_engine(url: Any, **kwargs: Any) -> Any:
            kwargs["pool_pre_ping"] = False
            return real_engine(url, **kwargs)

        dbmod.create_async_engine = create_async_engine  # type: ignore[assignment]

    if "async_deps" in FLAGS:
        # What `async def` in app/deps.py would do: point the Depends() inside the Annotated
        # aliases at coroutine functions before any router module builds its routes from them.
        # (app.dependency_overrides would also work but makes FastAPI re-inspect the override's
        # signature on every request, which costs more than it saves.)
        import sys

        assert "app.collection.router" not in sys.modules, "patch before the routers load"
        from app import deps

        async def settings(request: Request) -> Any:
            return request.app.state.settings

        async def catalogue(request: Request) -> Any:
            return request.app.state.catalogue

        async def templates(request: Request) -> Any:
            return request.app.state.templates

        async def signer(request: Request) -> Any:
            return request.app.state.signer

        for alias, replacement in (
            (deps.SettingsDep, settings),
            (deps.CatalogueDep, catalogue),
            (deps.TemplatesDep, templates),
            (deps.SignerDep, signer),
        ):
            object.__setattr__(alias.__metadata__[0], "dependency", replacement)

    from app.collection import router as collection
    from app.config import get_settings
    from app.main import create_app

    app = create_app(get_settings())

    if "cache_form" in FLAGS:
        real_counter_form = collection.counter_form
        forms: dict[Any, tuple[float, Any]] = {}

        async def counter_form(session: Any, catalogue: Any, unit_code: str, today: Any) -> Any:
            now = time.monotonic()
            hit = forms.get((unit_code, today))
            if hit is not None and hit[0] > now:
                return hit[1]
            target = await real_counter_form(session, catalogue, unit_code, today)
            forms[(unit_code, today)] = (now + 30.0, target)
            return target

        collection.counter_form = counter_form  # type: ignore[assignment]

    if "cache_render" in FLAGS:
        from fastapi.responses import HTMLResponse

        real_render = collection._render_form
        pages: dict[Any, str] = {}

        def _render_form(
            request, templates, target, token, lang, values=None, errors=None, notice=None
        ):  # type: ignore[no-untyped-def]
            if values or errors or notice:
                return real_render(request, templates, target, token, lang, values, errors, notice)
            key = (target.unit.id, target.round.id, target.form.version_id, lang)
            page = pages.get(key)
            if page is None:
                page = bytes(real_render(request, templates, target, PLACEHOLDER, lang).body)
                page = pages.setdefault(key, page.decode())
            return HTMLResponse(page.replace(PLACEHOLDER, token), headers=collection.NO_STORE)

        collection._render_form = _render_form  # type: ignore[assignment]

    if "store_cte" in FLAGS:

        async def store_response(
            session: Any, target: Any, submission_id: str, answers: Any, channel: str = "qr"
        ) -> bool:
            conn = await session.connection()
            raw = await conn.get_raw_connection()
            status = await raw.driver_connection.execute(
                STORE_SQL,
                submission_id,
                target.round.id,
                target.unit.id,
                target.form.version_id,
                channel,
                [a.question for a in answers],
                [a.ordinal for a in answers],
                [a.value for a in answers],
                [a.text for a in answers],
            )
            return status != "INSERT 0 0"

        collection.store_response = store_response  # type: ignore[assignment]

    return app
