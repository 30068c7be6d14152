"""The ASGI application: create_app() wires settings, database, catalogue, routers, errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware

from app.alerts.router import router as alerts_router
from app.apidocs import DOCS_ASSETS
from app.apidocs import router as docs_router
from app.audit.router import router as audit_router
from app.auth.access import unclassified_routes
from app.auth.router import router as auth_router
from app.collection.cache import CounterCache
from app.collection.router import router as collection_router
from app.comments.calendar import time_filters
from app.comments.pages import router as comments_pages
from app.comments.router import router as comments_router
from app.config import Settings, get_settings
from app.console import views as console_views
from app.console.frames import router as console_frames
from app.console.improvement import router as console_improvement
from app.console.integrity import router as console_integrity
from app.console.invitations import router as console_invitations
from app.console.nav import mounted
from app.console.plans import router as console_plans
from app.console.public_results import router as console_public
from app.console.publishing import router as console_publishing
from app.console.receipts import router as console_receipts
from app.console.router import router as console_router
from app.console.targets import router as console_targets
from app.console.weighting import router as console_weighting
from app.db import Database
from app.dossiers.router import router as dossiers_router
from app.errors import install_error_handlers
from app.forms.registry import Catalogue
from app.forms.visibility import visibility
from app.i18n import Translator
from app.i18n import install as install_i18n
from app.i18n.router import router as i18n_router
from app.imports.router import router as imports_router
from app.improvement.plans_router import router as improvement_plans_router
from app.improvement.router import router as improvement_router
from app.instruments.registry import register_forms
from app.instruments.router import router as forms_router
from app.integrity.pages import router as integrity_pages
from app.integrity.router import router as integrity_router
from app.messages.pages import router as optout_pages
from app.messages.router import router as messages_router
from app.middleware import (
    BodyLimitMiddleware,
    NulRefusalMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
)
from app.openapi import install_openapi
from app.ops import router as ops_router
from app.public.pages import PageCache
from app.public.pages import router as public_pages
from app.public.router import router as open_data_router
from app.public.router import staff_router as public_flag_router
from app.reporting.document.router import console_router as report_document_console
from app.reporting.document.router import router as report_document_router
from app.reporting.jobs_router import router as jobs_router
from app.reporting.microdata.router import console_router as microdata_console
from app.reporting.microdata.router import router as microdata_router
from app.reporting.publish_router import router as publishing_router
from app.reporting.published import freshness_wanted
from app.reporting.router import router as reporting_router
from app.reporting.tables_router import router as tables_router
from app.reporting.trend_router import router as trend_router
from app.responses.pages import router as responses_pages
from app.responses.router import router as responses_router
from app.rounds.router import router as rounds_router
from app.sampling.router import router as sampling_router
from app.sampling.token_router import router as token_router
from app.sampling.tokens_api import router as sampling_api_router
from app.serving import GZIP_LEVEL, GZIP_MIN_BYTES, HashedStaticFiles, HeadAsGet
from app.signing import SubmissionSigner
from app.units.events_router import router as unit_events_router
from app.units.lineage_router import router as lineage_router
from app.units.router import router as units_router
from app.webhooks.router import router as webhooks_router
from app.weights.router import router as weights_router
from app.worker.loop import Activity, Worker
from app.worker.registry import Context
from app.worker.tasks import load_tasks

HERE = Path(__file__).resolve().parent


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")


def renew_state(app: FastAPI) -> None:
    """Give ``app`` new connections, worker and caches, as a new process would have.

    ``create_app`` starts with this; the test suite calls it to serve each test from one app
    per settings (building the routes is most of an app's construction: ~0.3 s of CPU).
    """
    settings: Settings = app.state.settings
    app.state.db = db = Database(settings)
    context = Context(db, settings, app.state.catalogue)
    app.state.worker = (
        Worker(context, load_tasks(), activity=app.state.activity) if settings.worker else None
    )
    app.state.counter_cache = CounterCache(settings.counter_cache_seconds)
    app.state.signer = SubmissionSigner(settings.secret_key, settings.submission_max_age_seconds)
    app.state.public_pages = PageCache()  # rendered pages of frozen revisions


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The catalogue is validated here: an invalid instrument stops start-up."""
    settings = settings or get_settings()
    if settings.insecure_production:
        logging.getLogger("sipas").warning(
            "INSECURE: production over plain http (%s): session cookies are not Secure and "
            "there is no HSTS; put TLS in front and use an https:// SIPAS_PUBLIC_BASE_URL",
            settings.public_base_url,
        )
    catalogue = Catalogue.from_directory(settings.forms_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with app.state.db.write_sessions.begin() as session:
            await register_forms(session, app.state.catalogue)
        worker = app.state.worker
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            await worker.stop()
        await app.state.db.dispose()

    app = FastAPI(
        title="SIPAS",
        version="1",
        summary="Citizen satisfaction with administrative services: collection and reporting.",
        lifespan=lifespan,
        dependencies=[Depends(freshness_wanted)],
        docs_url=None,  # served by app/apidocs.py, from the app itself
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.catalogue = catalogue
    app.state.activity = activity = Activity()
    renew_state(app)
    app.state.templates = templates = Jinja2Templates(directory=HERE / "templates")
    install_i18n(templates, Translator())
    console_views.install(templates)
    templates.env.globals["visibility"] = visibility  # which questions apply, in form.html
    # Local times of stored UTC moments (comments, responses); the console's filters win on
    # the names both define (``day``: the same dd/mm/yyyy).
    for name, apply in time_filters(settings).items():
        templates.env.filters.setdefault(name, apply)
    static = HashedStaticFiles(HERE / "static", packages=[DOCS_ASSETS])
    templates.env.globals["static_url"] = static.url  # /static/<name>?v=<content hash>
    app.mount("/static", static, name="static")

    for router in (
        collection_router,
        rounds_router,
        sampling_router,
        units_router,
        lineage_router,
        unit_events_router,
        trend_router,
        imports_router,
        reporting_router,
        tables_router,
        publishing_router,
        forms_router,
        ops_router,
        auth_router,
        audit_router,
        weights_router,
        responses_router,
        comments_router,
        responses_pages,
        comments_pages,
        token_router,
        integrity_router,
        integrity_pages,
        sampling_api_router,
        console_router,
        console_frames,
        console_plans,
        console_invitations,
        console_weighting,
        console_publishing,
        console_integrity,
        console_receipts,
        console_targets,
        i18n_router,
        docs_router,
        dossiers_router,
        webhooks_router,
        messages_router,
        optout_pages,
        alerts_router,
        report_document_router,
        report_document_console,
        microdata_router,
        microdata_console,
        jobs_router,
        public_pages,
        open_data_router,
        public_flag_router,
        console_public,
        improvement_router,
        improvement_plans_router,
        console_improvement,
    ):
        app.include_router(router)
    app.state.nav = mounted(app)  # after every router: the console shows what is served
    install_error_handlers(app)
    install_openapi(app)
    if missing := unclassified_routes(app):  # every route says who may call it
        raise RuntimeError(f"routes without an access classification: {missing}")

    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(HeadAsGet)
    app.add_middleware(NulRefusalMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.secure_cookies,
        kiosk_frame_ancestors=settings.kiosk_frame_ancestors,
        embed_frame_ancestors=settings.public_frame_ancestors,
    )
    app.add_middleware(
        RequestLogMiddleware, json_format=settings.log_format == "json", activity=activity
    )
    return app
