"""/docs (Swagger UI) and /redoc (ReDoc) served from this app alone: no CDN, no inline
script, so they work on a provincial network without internet and under the app's CSP.

The assets come from the fastapi-offline package (Swagger UI and ReDoc bundles, kept up to
date there), served under /static beside ours (see ``DOCS_ASSETS``); our own small script,
static/docs.js, starts Swagger UI.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.auth.access import public_access
from app.deps import TemplatesDep

# The package's static folder, added to /static (app.serving.HashedStaticFiles ``packages``).
DOCS_ASSETS = ("fastapi_offline", "static")

router = APIRouter(include_in_schema=False, dependencies=[Depends(public_access)])


@router.get("/docs", response_class=HTMLResponse)
async def swagger(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """The API, interactive: try operations with an API key (Authorize) or a session."""
    return templates.TemplateResponse(request, "docs/swagger.html", _context(request))


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """The API as a reference document."""
    return templates.TemplateResponse(request, "docs/redoc.html", _context(request))


def _context(request: Request) -> dict[str, object]:
    return {"title": request.app.title, "spec": request.app.openapi_url}
