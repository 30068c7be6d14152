"""Every route is classified; every non-public one refuses the anonymous, the role-less and
the out-of-scope caller. A new route without a classification or an example here fails."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from app.auth.access import classified_routes
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import comment_of, respond
from tests.factories import make_province, make_user
from tests.webhooks.helpers import make_webhook


@dataclass(frozen=True)
class Example:
    """How to call a route: a concrete URL, and whether its target sits inside unit C11."""

    url: str
    scoped: bool  # True: a caller whose scope lacks C11 must be refused (403)


# (method, path) -> example. Routes whose results are filtered by scope (lists) are not
# "scoped" here: test_scope.py checks that they only show what is in scope.
EXAMPLES: dict[tuple[str, str], Example] = {
    ("GET", "/api/v1/rounds"): Example("/api/v1/rounds", False),
    # The feed checks scope per event (tests/dossiers/test_feed.py).
    ("POST", "/api/v1/dossiers"): Example("/api/v1/dossiers", False),
    ("GET", "/api/v1/dossiers/indicators.csv"): Example(
        "/api/v1/dossiers/indicators.csv?unit=C11&round=R2026", True
    ),
    ("GET", "/api/v1/dossiers/indicators"): Example(
        "/api/v1/dossiers/indicators?unit=C11&round=R2026", True
    ),
    ("POST", "/api/v1/dossiers/rating-codes"): Example("/api/v1/dossiers/rating-codes", False),
    ("GET", "/api/v1/rounds/{round_code}/dossier-satisfaction"): Example(
        "/api/v1/rounds/R2026/dossier-satisfaction?unit=C11", True
    ),
    ("POST", "/api/v1/dossiers/invitations"): Example("/api/v1/dossiers/invitations", False),
    ("GET", "/api/v1/account/alerts"): Example("/api/v1/account/alerts", False),
    ("PUT", "/api/v1/account/alerts"): Example("/api/v1/account/alerts", False),
    ("POST", "/api/v1/webhooks"): Example("/api/v1/webhooks", False),
    ("GET", "/api/v1/webhooks"): Example("/api/v1/webhooks", False),
    ("GET", "/api/v1/webhooks/{sub_id}/deliveries"): Example(
        "/api/v1/webhooks/{webhook}/deliveries", True
    ),
    ("POST", "/api/v1/webhooks/{sub_id}/deliveries/{delivery_id}/redeliver"): Example(
        "/api/v1/webhooks/{webhook}/deliveries/1/redeliver", True
    ),
    ("POST", "/api/v1/webhooks/{sub_id}/enable"): Example(
        "/api/v1/webhooks/{webhook}/enable", True
    ),
    ("POST", "/api/v1/webhooks/{sub_id}/disable"): Example(
        "/api/v1/webhooks/{webhook}/disable", True
    ),
    ("PUT", "/api/v1/rounds/{round_code}/volume-source"): Example(
        "/api/v1/rounds/R2026/volume-source", True
    ),
    ("GET", "/api/v1/units"): Example("/api/v1/units?parent=C11", True),
    ("GET", "/api/v1/rounds/{round_code}/satisfaction"): Example(
        "/api/v1/rounds/R2026/satisfaction?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/tallies"): Example("/api/v1/rounds/R2026/tallies", False),
    ("GET", "/api/v1/rounds/{round_code}/questions"): Example(
        "/api/v1/rounds/R2026/questions?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/frame"): Example("/api/v1/rounds/R2026/frame", True),
    ("PUT", "/api/v1/rounds/{round_code}/frame"): Example("/api/v1/rounds/R2026/frame", True),
    ("POST", "/api/v1/rounds/{round_code}/frame/import"): Example(
        "/api/v1/rounds/R2026/frame/import", True
    ),
    ("POST", "/api/v1/rounds/{round_code}/dossiers/import"): Example(
        "/api/v1/rounds/R2026/dossiers/import", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/dossiers"): Example("/api/v1/rounds/R2026/dossiers", True),
    ("GET", "/api/v1/rounds/{round_code}/plan"): Example("/api/v1/rounds/R2026/plan", True),
    ("PUT", "/api/v1/rounds/{round_code}/plan"): Example("/api/v1/rounds/R2026/plan", True),
    ("POST", "/api/v1/rounds/{round_code}/draws"): Example("/api/v1/rounds/R2026/draws", True),
    ("POST", "/api/v1/rounds/{round_code}/draws/{draw_id}/invitations"): Example(
        "/api/v1/rounds/R2026/draws/1/invitations", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/draws/{draw_id}/invitations"): Example(
        "/api/v1/rounds/R2026/draws/1/invitations", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/draws/{draw_id}"): Example(
        "/api/v1/rounds/R2026/draws/1", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/satisfaction/breakdown"): Example(
        "/api/v1/rounds/R2026/satisfaction/breakdown?unit=C11&by=field", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/satisfaction/export"): Example(
        "/api/v1/rounds/R2026/satisfaction/export?unit=C11&format=xlsx", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/ranking"): Example(
        "/api/v1/rounds/R2026/ranking?parent=D1&level=counter", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/ranking/export"): Example(
        "/api/v1/rounds/R2026/ranking/export?parent=D1&level=counter&format=csv", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/revisions"): Example(
        "/api/v1/rounds/R2026/revisions", False
    ),
    # issue #17, part B: the report document and the analysts' formats
    ("GET", "/api/v1/rounds/{round_code}/report-document"): Example(
        "/api/v1/rounds/R2026/report-document?unit=C11", True
    ),
    ("GET", "/console/rounds/{round_code}/report-document"): Example(
        "/console/rounds/R2026/report-document?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/microdata"): Example(
        "/api/v1/rounds/R2026/microdata?format=csv", True
    ),
    ("GET", "/console/rounds/{round_code}/microdata"): Example(
        "/console/rounds/R2026/microdata?format=csv", True
    ),
    # No job exists here (404 for everyone); tests/reporting/test_jobs.py checks their scope.
    ("GET", "/api/v1/jobs/{job_id}"): Example("/api/v1/jobs/1", False),
    ("GET", "/api/v1/jobs/{job_id}/file"): Example("/api/v1/jobs/1/file", False),
    ("PUT", "/api/v1/rounds/{round_code}/bands"): Example("/api/v1/rounds/R2026/bands", True),
    ("PUT", "/api/v1/rounds/{round_code}/targets"): Example("/api/v1/rounds/R2026/targets", True),
    ("POST", "/api/v1/rounds/{round_code}/freeze"): Example("/api/v1/rounds/R2026/freeze", True),
    ("PUT", "/api/v1/rounds/{round_code}/revisions/{revision}/public"): Example(
        "/api/v1/rounds/R2026/revisions/1/public", True
    ),
    ("POST", "/api/v1/rounds/{round_code}/responses/import"): Example(
        "/api/v1/rounds/R2026/responses/import", True
    ),
    ("POST", "/api/v1/units/import"): Example("/api/v1/units/import", False),
    ("POST", "/api/v1/units/merge"): Example("/api/v1/units/merge", False),
    ("GET", "/api/v1/units/hierarchy"): Example("/api/v1/units/hierarchy", False),
    ("GET", "/api/v1/units/events"): Example("/api/v1/units/events", False),
    ("POST", "/api/v1/units/events"): Example("/api/v1/units/events", False),
    ("POST", "/api/v1/units/split"): Example("/api/v1/units/split", False),
    ("POST", "/api/v1/units/transfer"): Example("/api/v1/units/transfer", False),
    ("POST", "/api/v1/units/crosswalk/import"): Example("/api/v1/units/crosswalk/import", False),
    ("POST", "/api/v1/units/events/{event_id}/revert"): Example(
        "/api/v1/units/events/1/revert", False
    ),
    ("GET", "/api/v1/rounds/{round_code}/trend"): Example(
        "/api/v1/rounds/R2026/trend?unit=C11", True
    ),
    ("GET", "/api/v1/forms"): Example("/api/v1/forms", False),
    ("GET", "/api/v1/forms/{code}"): Example("/api/v1/forms/one-stop-counter", False),
    ("GET", "/api/v1/audit"): Example("/api/v1/audit", False),
    ("GET", "/api/v1/audit.csv"): Example("/api/v1/audit.csv", False),
    ("POST", "/logout"): Example("/logout", False),
    ("GET", "/account"): Example("/account", False),
    ("GET", "/account/password"): Example("/account/password", False),
    ("POST", "/account/password"): Example("/account/password", False),
    ("GET", "/admin/users"): Example("/admin/users", False),
    ("POST", "/admin/users"): Example("/admin/users", False),
    ("GET", "/admin/users/{user_id}"): Example("/admin/users/{target}", True),
    ("POST", "/admin/users/{user_id}/reset"): Example("/admin/users/{target}/reset", True),
    ("POST", "/admin/users/{user_id}/grant"): Example("/admin/users/{target}/grant", True),
    ("POST", "/admin/users/{user_id}/revoke"): Example("/admin/users/{target}/revoke", True),
    ("POST", "/admin/users/{user_id}/deactivate"): Example(
        "/admin/users/{target}/deactivate", True
    ),
    ("POST", "/admin/users/{user_id}/reactivate"): Example(
        "/admin/users/{target}/reactivate", True
    ),
    ("PUT", "/api/v1/rounds/{code}/inference"): Example("/api/v1/rounds/R2026/inference", True),
    ("GET", "/api/v1/rounds/{round_code}/weight-sets"): Example(
        "/api/v1/rounds/R2026/weight-sets", True
    ),
    ("POST", "/api/v1/rounds/{round_code}/weight-sets"): Example(
        "/api/v1/rounds/R2026/weight-sets", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/weight-sets/{weight_set_id}"): Example(
        "/api/v1/rounds/R2026/weight-sets/1", True
    ),
    ("POST", "/api/v1/rounds/{round_code}/weight-sets/{weight_set_id}/activate"): Example(
        "/api/v1/rounds/R2026/weight-sets/1/activate", True
    ),
    # Responses and comments: {response} and {comment} are a response at C11 and its comment;
    # {action} routes serve several actions (tests/comments and tests/responses try each).
    ("GET", "/api/v1/responses"): Example("/api/v1/responses?unit=C11", True),
    ("GET", "/api/v1/responses.csv"): Example("/api/v1/responses.csv?unit=C11", True),
    ("POST", "/api/v1/responses.csv"): Example("/api/v1/responses.csv?unit=C11", True),
    ("GET", "/api/v1/responses/{response_id}"): Example("/api/v1/responses/{response}", True),
    ("POST", "/api/v1/responses/{response_id}/{action}"): Example(
        "/api/v1/responses/{response}/exclude", True
    ),
    ("GET", "/api/v1/comments"): Example("/api/v1/comments?unit=C11", True),
    ("GET", "/api/v1/comments/on-time"): Example("/api/v1/comments/on-time?unit=C11", True),
    ("GET", "/api/v1/comments/{comment_id}"): Example("/api/v1/comments/{comment}", True),
    ("POST", "/api/v1/comments/{comment_id}/reveal"): Example(
        "/api/v1/comments/{comment}/reveal", True
    ),
    ("POST", "/api/v1/comments/{comment_id}/{action}"): Example(
        "/api/v1/comments/{comment}/reply", True
    ),
    ("GET", "/console/responses"): Example("/console/responses?unit=C11", True),
    ("GET", "/console/responses/{response_id}"): Example("/console/responses/{response}", True),
    ("POST", "/console/responses/{response_id}/{action}"): Example(
        "/console/responses/{response}/exclude", True
    ),
    ("GET", "/console/comments"): Example("/console/comments?unit=C11", True),
    ("GET", "/console/comments/on-time"): Example("/console/comments/on-time?unit=C11", True),
    ("GET", "/console/comments/{comment_id}"): Example("/console/comments/{comment}", True),
    ("POST", "/console/comments/{comment_id}/reveal"): Example(
        "/console/comments/{comment}/reveal", True
    ),
    ("POST", "/console/comments/{comment_id}/{action}"): Example(
        "/console/comments/{comment}/close", True
    ),
    # Invitations, quotas, progress (app/sampling): a round's, so every unit it covers counts.
    ("POST", "/api/v1/rounds/{round_code}/invitations"): Example(
        "/api/v1/rounds/R2026/invitations", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/invitations"): Example(
        "/api/v1/rounds/R2026/invitations", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/quotas"): Example("/api/v1/rounds/R2026/quotas", True),
    ("PUT", "/api/v1/rounds/{round_code}/quotas"): Example("/api/v1/rounds/R2026/quotas", True),
    ("GET", "/api/v1/rounds/{round_code}/progress"): Example(
        "/api/v1/rounds/R2026/progress", False
    ),
    # The console (tests/console/ checks what each page shows and refuses in detail).
    ("GET", "/console"): Example("/console", False),
    ("GET", "/console/overview"): Example("/console/overview", False),
    ("GET", "/console/units"): Example("/console/units", False),
    ("GET", "/console/units/new"): Example("/console/units/new?parent=C11", True),
    ("POST", "/console/units"): Example("/console/units", False),
    ("GET", "/console/units/{code}/edit"): Example("/console/units/C11/edit", True),
    ("POST", "/console/units/{code}"): Example("/console/units/C11", True),
    ("GET", "/console/units/import"): Example("/console/units/import", False),
    ("POST", "/console/units/import"): Example("/console/units/import", False),
    ("GET", "/console/units/merge"): Example("/console/units/merge?source=C11", True),
    ("POST", "/console/units/merge"): Example("/console/units/merge", False),
    ("POST", "/console/units/merge/confirm"): Example("/console/units/merge/confirm", False),
    ("GET", "/console/units/events"): Example("/console/units/events", False),
    ("GET", "/console/units/crosswalk/import"): Example("/console/units/crosswalk/import", False),
    ("POST", "/console/units/crosswalk/import"): Example("/console/units/crosswalk/import", False),
    ("POST", "/console/units/events/{event_id}/revert"): Example(
        "/console/units/events/1/revert", False
    ),
    # Single events: the forms offer only units in the caller's admin scope (the event services
    # check it again: tests/console/test_unit_change.py).
    ("GET", "/console/units/split"): Example("/console/units/split?unit=C11", False),
    ("POST", "/console/units/split"): Example("/console/units/split", False),
    ("GET", "/console/units/transfer"): Example("/console/units/transfer?unit=C11", False),
    ("POST", "/console/units/transfer"): Example("/console/units/transfer", False),
    ("GET", "/console/units/rename"): Example("/console/units/rename?unit=C11", False),
    ("POST", "/console/units/rename"): Example("/console/units/rename", False),
    ("GET", "/console/units/relevel"): Example("/console/units/relevel?unit=C11", False),
    ("POST", "/console/units/relevel"): Example("/console/units/relevel", False),
    ("GET", "/console/units/move"): Example("/console/units/move?unit=C11", False),
    ("POST", "/console/units/move"): Example("/console/units/move", False),
    ("GET", "/console/units/dissolve"): Example("/console/units/dissolve?unit=C11", False),
    ("POST", "/console/units/dissolve"): Example("/console/units/dissolve", False),
    ("GET", "/console/webhooks"): Example("/console/webhooks", False),
    ("POST", "/console/webhooks"): Example("/console/webhooks", False),
    ("GET", "/console/webhooks/{sub_id}"): Example("/console/webhooks/{webhook}", True),
    ("POST", "/console/webhooks/{sub_id}/deliveries/{delivery_id}/redeliver"): Example(
        "/console/webhooks/{webhook}/deliveries/1/redeliver", True
    ),
    ("POST", "/console/webhooks/{sub_id}/{action}"): Example(
        "/console/webhooks/{webhook}/disable", True
    ),
    ("GET", "/console/alerts"): Example("/console/alerts", False),
    ("POST", "/console/alerts"): Example("/console/alerts", False),
    ("GET", "/console/instruments"): Example("/console/instruments", False),
    ("GET", "/console/instruments/{code}"): Example("/console/instruments/one-stop-counter", False),
    ("GET", "/console/instruments/{code}/preview"): Example(
        "/console/instruments/one-stop-counter/preview", False
    ),
    ("GET", "/console/rounds"): Example("/console/rounds", False),
    ("GET", "/console/rounds/new"): Example("/console/rounds/new?root=C11", True),
    ("POST", "/console/rounds"): Example("/console/rounds", False),
    ("GET", "/console/rounds/{code}"): Example("/console/rounds/R2026", False),
    ("POST", "/console/rounds/{code}/status"): Example("/console/rounds/R2026/status", True),
    ("POST", "/console/rounds/{code}/details"): Example("/console/rounds/R2026/details", True),
    ("POST", "/console/rounds/{code}/inference"): Example("/console/rounds/R2026/inference", True),
    ("GET", "/console/rounds/{code}/statistics"): Example(
        "/console/rounds/R2026/statistics?unit=C11", True
    ),
    # A round's steps (app/console/frames.py ...): every unit the round covers counts.
    ("GET", "/console/rounds/{round_code}/frame"): Example("/console/rounds/R2026/frame", True),
    ("POST", "/console/rounds/{round_code}/frame/import"): Example(
        "/console/rounds/R2026/frame/import", True
    ),
    ("GET", "/console/rounds/{round_code}/plan"): Example("/console/rounds/R2026/plan", True),
    ("POST", "/console/rounds/{round_code}/plan"): Example("/console/rounds/R2026/plan", True),
    ("GET", "/console/rounds/{round_code}/draws"): Example("/console/rounds/R2026/draws", True),
    ("POST", "/console/rounds/{round_code}/draws"): Example("/console/rounds/R2026/draws", True),
    ("POST", "/console/rounds/{round_code}/draws/{draw_id}/invitations"): Example(
        "/console/rounds/R2026/draws/1/invitations", True
    ),
    ("GET", "/console/rounds/{round_code}/draws/{draw_id}"): Example(
        "/console/rounds/R2026/draws/1", True
    ),
    ("GET", "/console/rounds/{round_code}/tokens"): Example("/console/rounds/R2026/tokens", True),
    ("POST", "/console/rounds/{round_code}/tokens"): Example("/console/rounds/R2026/tokens", True),
    ("GET", "/console/rounds/{round_code}/quotas"): Example("/console/rounds/R2026/quotas", True),
    ("POST", "/console/rounds/{round_code}/quotas"): Example("/console/rounds/R2026/quotas", True),
    ("GET", "/console/rounds/{round_code}/weights"): Example("/console/rounds/R2026/weights", True),
    ("POST", "/console/rounds/{round_code}/weights"): Example(
        "/console/rounds/R2026/weights", True
    ),
    ("GET", "/console/rounds/{round_code}/weights/{weight_set_id}"): Example(
        "/console/rounds/R2026/weights/1", True
    ),
    ("POST", "/console/rounds/{round_code}/weights/{weight_set_id}/activate"): Example(
        "/console/rounds/R2026/weights/1/activate", True
    ),
    ("GET", "/console/rounds/{round_code}/revisions"): Example(
        "/console/rounds/R2026/revisions", True
    ),
    ("POST", "/console/rounds/{round_code}/freeze"): Example("/console/rounds/R2026/freeze", True),
    ("POST", "/console/rounds/{round_code}/revisions/{revision}/public"): Example(
        "/console/rounds/R2026/revisions/1/public", True
    ),
    ("GET", "/console/rounds/{round_code}/targets"): Example("/console/rounds/R2026/targets", True),
    ("POST", "/console/rounds/{round_code}/targets"): Example(
        "/console/rounds/R2026/targets", True
    ),
    ("GET", "/console/qr"): Example("/console/qr", False),
    ("GET", "/console/qr/{code}"): Example("/console/qr/C11", True),
    ("GET", "/console/keys"): Example("/console/keys", False),
    ("POST", "/console/keys"): Example("/console/keys", False),
    ("POST", "/console/keys/{prefix}/revoke"): Example("/console/keys/sk_unknown/revoke", False),
    ("GET", "/console/audit"): Example("/console/audit", False),
    # Integrity: the report, the policy, held responses and their review, kiosks, receipts.
    ("GET", "/api/v1/rounds/{round_code}/integrity"): Example(
        "/api/v1/rounds/R2026/integrity?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/integrity/policy"): Example(
        "/api/v1/rounds/R2026/integrity/policy", True
    ),
    ("PUT", "/api/v1/rounds/{round_code}/integrity/policy"): Example(
        "/api/v1/rounds/R2026/integrity/policy", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/held"): Example(
        "/api/v1/rounds/R2026/held?unit=C11", True
    ),
    # The ids and the unit are in the body: tests/integrity checks scope and independence.
    ("POST", "/api/v1/responses/review"): Example("/api/v1/responses/review", False),
    ("POST", "/api/v1/kiosks"): Example("/api/v1/kiosks", False),
    ("POST", "/api/v1/kiosks/{kiosk_id}/revoke"): Example("/api/v1/kiosks/1/revoke", False),
    ("POST", "/api/v1/rounds/{round_code}/receipts"): Example(
        "/api/v1/rounds/R2026/receipts", True
    ),
    ("POST", "/api/v1/rounds/{round_code}/receipts/key"): Example(
        "/api/v1/rounds/R2026/receipts/key", True
    ),
    ("GET", "/console/rounds/{round_code}/receipt"): Example(
        "/console/rounds/R2026/receipt", False
    ),
    ("POST", "/console/rounds/{round_code}/receipt"): Example(
        "/console/rounds/R2026/receipt", False
    ),
    ("GET", "/console/rounds/{round_code}/integrity"): Example(
        "/console/rounds/R2026/integrity", True
    ),
    ("POST", "/console/rounds/{round_code}/review"): Example("/console/rounds/R2026/review", True),
    # Improvement (gaps, drivers, plans): actions' scope is tested in tests/improvement.
    ("GET", "/api/v1/rounds/{round_code}/gaps"): Example(
        "/api/v1/rounds/R2026/gaps?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/drivers"): Example(
        "/api/v1/rounds/R2026/drivers?unit=C11", True
    ),
    ("GET", "/api/v1/rounds/{round_code}/drivers.svg"): Example(
        "/api/v1/rounds/R2026/drivers.svg?unit=C11", True
    ),
    ("GET", "/api/v1/improvement/actions"): Example("/api/v1/improvement/actions", False),
    ("POST", "/api/v1/improvement/actions"): Example("/api/v1/improvement/actions", False),
    ("GET", "/api/v1/improvement/actions/{action_id}"): Example(
        "/api/v1/improvement/actions/1", False
    ),
    ("PATCH", "/api/v1/improvement/actions/{action_id}"): Example(
        "/api/v1/improvement/actions/1", False
    ),
    ("POST", "/api/v1/improvement/actions/{action_id}/evidence"): Example(
        "/api/v1/improvement/actions/1/evidence", False
    ),
    ("GET", "/api/v1/improvement/evidence/{evidence_id}"): Example(
        "/api/v1/improvement/evidence/1", False
    ),
    ("GET", "/api/v1/improvement/actions/{action_id}/follow-up"): Example(
        "/api/v1/improvement/actions/1/follow-up", False
    ),
    ("GET", "/api/v1/improvement/progress"): Example(
        "/api/v1/improvement/progress?year=2026", False
    ),
    ("GET", "/console/improvement"): Example("/console/improvement", False),
    ("GET", "/console/improvement/go"): Example(
        "/console/improvement/go?round=R2026&unit=C11", False
    ),
    ("GET", "/console/improvement/rounds/{round_code}/{unit_code}"): Example(
        "/console/improvement/rounds/R2026/C11", True
    ),
    ("POST", "/console/improvement/rounds/{round_code}/{unit_code}/actions"): Example(
        "/console/improvement/rounds/R2026/C11/actions", True
    ),
    ("GET", "/console/improvement/actions/{action_id}"): Example(
        "/console/improvement/actions/1", False
    ),
    ("POST", "/console/improvement/actions/{action_id}"): Example(
        "/console/improvement/actions/1", False
    ),
    ("POST", "/console/improvement/actions/{action_id}/evidence"): Example(
        "/console/improvement/actions/1/evidence", False
    ),
    ("GET", "/console/improvement/evidence/{evidence_id}"): Example(
        "/console/improvement/evidence/1", False
    ),
    ("GET", "/console/improvement/progress"): Example(
        "/console/improvement/progress?year=2026", False
    ),
}


def protected_routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    found = []
    for path, methods, rule in classified_routes(app):
        assert rule is not None, f"{sorted(methods)} {path} has no access classification"
        if rule.kind != "public":
            found += [(m, path, rule.role) for m in sorted(methods - {"HEAD"})]
    return found


async def test_every_route_is_classified_and_every_protected_one_has_an_example(app: FastAPI):
    routes = protected_routes(app)
    assert routes, "no protected routes found"
    missing = [(m, p) for m, p, _ in routes if (m, p) not in EXAMPLES]
    assert not missing, f"add these routes to EXAMPLES (and to the checks): {missing}"


async def request(client: httpx.AsyncClient, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return await client.get(url, headers={"accept": "application/json"})
    data = {"csrf_token": await csrf_of(client), "temporary": "temporary-password-1"}
    return await client.request(method, url, data=data)


def refused_anonymously(answer: httpx.Response) -> bool:
    return answer.status_code == 401 or (
        answer.status_code == 303 and answer.headers["location"].startswith("/login")
    )


async def test_protected_routes_refuse_anonymous_roleless_and_out_of_scope(
    app: FastAPI, settings, client: httpx.AsyncClient
):
    province = await make_province(app)
    response = await respond(app, province, "C11", "Góp ý")
    comment = await comment_of(app, response)
    target = await make_user(app, "target@x.vn", [("viewer", "C11")])
    await make_user(app, "nobody@x.vn", [])
    await make_user(app, "viewer@x.vn", [("viewer", "D1")])
    await make_user(app, "outsider@x.vn", [("admin", "D2")])
    webhook, _ = await make_webhook(app, "C11")
    routes = protected_routes(app)

    def new_client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=client._transport, base_url="https://testserver")

    for method, path, role in routes:
        example = EXAMPLES[(method, path)]
        url = example.url.format(target=target, response=response, comment=comment, webhook=webhook)
        async with new_client() as anonymous:
            answer = await anonymous.request(method, url, headers={"accept": "application/json"})
            assert refused_anonymously(answer), (method, path, answer.status_code)
        if role is None:
            continue  # any signed-in user
        # Without the role: nobody@ holds nothing; viewer@ holds less than admin.
        who = "viewer@x.vn" if role == "admin" else "nobody@x.vn"
        async with new_client() as roleless:
            await sign_in(roleless, who)
            answer = await request(roleless, method, url)
            assert answer.status_code == 403, (method, path, who, answer.status_code)
        if example.scoped:
            async with new_client() as outsider:
                await sign_in(outsider, "outsider@x.vn")  # admin, but on D2 only
                answer = await request(outsider, method, url)
                assert answer.status_code == 403, (method, path, answer.status_code)
                named = names_outside_scope(answer.text, url)
                assert not named, (method, path, named, answer.text[:300])


# Units outside the outsider's scope (D2): a refusal must not name them (the URL may).
OUTSIDE_D2 = re.compile(r"\b(?:C11|C12|D1)\b")


def names_outside_scope(answer: str, url: str) -> set[str]:
    return set(OUTSIDE_D2.findall(answer)) - set(OUTSIDE_D2.findall(url))


@pytest.mark.parametrize("path", ["/s/C11", "/healthz", "/readyz", "/login", "/openapi.json"])
async def test_public_routes_need_no_sign_in(app: FastAPI, client: httpx.AsyncClient, path: str):
    await make_province(app)
    assert (await client.get(path)).status_code == 200
