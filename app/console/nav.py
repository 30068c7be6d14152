"""The console's navigation, in one place and in its order.

An item is shown once the app serves a GET route at its ``href`` (so a module that adds
pages, e.g. responses or comments, only has to mount its router) and to users holding its
``role`` somewhere. Labels are Vietnamese msgids, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from app.auth.access import classified_routes
from app.auth.principal import Principal, Role
from app.i18n import N_


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    role: Role


NAV: tuple[NavItem, ...] = (
    NavItem("overview", N_("Tổng quan"), "/console/overview", "viewer"),
    NavItem("units", N_("Đơn vị"), "/console/units", "viewer"),
    NavItem("instruments", N_("Bộ câu hỏi"), "/console/instruments", "viewer"),
    NavItem("rounds", N_("Đợt khảo sát"), "/console/rounds", "viewer"),
    NavItem("qr", N_("Mã QR"), "/console/qr", "viewer"),
    NavItem("responses", N_("Phiếu trả lời"), "/console/responses", "viewer"),
    NavItem("comments", N_("Góp ý"), "/console/comments", "viewer"),
    NavItem("improvement", N_("Cải thiện"), "/console/improvement", "viewer"),
    NavItem("users", N_("Người dùng"), "/admin/users", "admin"),
    NavItem("keys", N_("Khóa API"), "/console/keys", "admin"),
    NavItem("webhooks", N_("Webhook"), "/console/webhooks", "admin"),
    NavItem("alerts", N_("Thông báo"), "/console/alerts", "manager"),
    NavItem("audit", N_("Nhật ký"), "/console/audit", "admin"),
)


def mounted(app: FastAPI, items: tuple[NavItem, ...] = NAV) -> tuple[NavItem, ...]:
    """The items whose page the app serves."""
    pages = {path for path, methods, _ in classified_routes(app) if "GET" in methods}
    return tuple(item for item in items if item.href in pages)


def allowed(items: tuple[NavItem, ...], principal: Principal | None) -> list[NavItem]:
    if principal is None or principal.must_change_password:
        return []
    return [item for item in items if principal.has_any(item.role)]


def active(items: list[NavItem], path: str) -> str | None:
    """The item whose href is the longest prefix of ``path``."""
    best: NavItem | None = None
    for item in items:
        if (path == item.href or path.startswith(item.href + "/")) and (
            best is None or len(item.href) > len(best.href)
        ):
            best = item
    return best.key if best else None
