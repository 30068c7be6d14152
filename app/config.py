"""Settings: one object, read from the environment (prefix SIPAS_) or a .env file."""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where alembic.ini, migrations/ and survey_forms/ live (the checkout, or the image's root).
# The development default of ``Settings.message_gateways``: every channel to the outbox.
OUTBOX_GATEWAYS: dict[str, dict[str, str | int | float]] = {
    c: {"kind": "outbox"} for c in ("sms", "zalo", "email")
}
PROJECT_ROOT = Path(os.environ.get("SIPAS_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-change-me"}


class Settings(BaseSettings):
    """Runtime configuration of one sipas process (every replica reads the same)."""

    model_config = SettingsConfigDict(env_prefix="SIPAS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'sipas.db'}"
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = "dev-secret-change-me"
    forms_dir: Path = PROJECT_ROOT / "survey_forms"
    timezone: str = "Asia/Ho_Chi_Minh"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    # A citizen's form is valid for this long after it was served (signed submission id).
    submission_max_age_seconds: int = 24 * 3600
    # How long a replica reuses a counter's unit, open round and rendered form (0: never).
    counter_cache_seconds: float = 10.0
    max_body_bytes: int = 64 * 1024
    # File imports (frames, lists of dossiers: ~50 bytes a row, so 64 MiB ≈ 1 million rows).
    max_upload_bytes: int = 64 * 1024 * 1024
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    login_max_failures_per_account: int = 5
    login_max_failures_per_client: int = 20
    login_failure_window_minutes: int = 15
    # Addresses (or CIDR networks), comma-separated, of the reverse proxies or load balancers
    # whose X-Forwarded-For / X-Forwarded-Proto this server believes, e.g. "10.0.0.5" or
    # "10.0.0.0/24". None by default: the connecting peer is the client (a spoofed header from
    # anyone, also from 127.0.0.1, changes nothing: login throttle, audit hash).
    trusted_proxies: str = ""
    # Origins allowed to frame the public form (a kiosk shell), e.g. "https://kiosk.tinh.gov.vn".
    kiosk_frame_ancestors: str | None = None
    # Public results (app/public): origins allowed to frame the widget view (/public/{round}/embed),
    # as a CSP frame-ancestors source list, e.g. "https://hagiang.gov.vn"; None: no framing.
    public_frame_ancestors: str | None = None
    # Licence of the open data (an SPDX id: CC-BY-4.0, CC0-1.0, ODC-BY-1.0).
    open_data_licence: str = "CC-BY-4.0"
    # Citizens' comments (góp ý, phản ánh, kiến nghị) are due this many working days after
    # submission; working days are Monday–Friday minus the public holidays listed, one ISO date
    # a line, in ``holidays_file`` (default: app/comments/holidays_vn.txt, which explains itself).
    comment_due_working_days: int = Field(default=15, ge=1, le=120)
    holidays_file: Path | None = None
    db_pool_size: int = Field(default=20, ge=1)
    # PostgreSQL: connections kept for storing submissions (the public form's hot path),
    # besides the ``db_pool_size`` of everything else. Each is one short statement, so a few
    # connections keep the database busy; more only queue inside it (the sweep is in
    # docs/performance.md).
    collect_pool_size: int = Field(default=5, ge=1)
    # Reports: an estimate is reliable with at least this many valid answers and a relative
    # standard error (SE / estimate) of at most this; unreliable estimates can be withheld
    # (index null) and left out of ranks among siblings.
    reliability_min_n: int = Field(default=30, ge=1)
    reliability_max_rse: float = Field(default=0.3, gt=0)
    withhold_unreliable: bool = False
    rank_unreliable: bool = True
    db_echo: bool = False
    # Production refuses an http:// public base URL (cookies could not be Secure, no HSTS);
    # a closed provincial network without TLS sets this, and every start logs a warning.
    allow_insecure_http: bool = False
    # The background worker (app.worker) in this process: folds tallies, syncs comments.
    # Without it (false), reports and comment pages catch up inside requests as a last resort.
    worker: bool = True
    # How long a report waits for queued changes to be folded before serving (0: serve the
    # last folded figures at once, stating ``freshness.as_of``); ``?fresh=true`` waits up to
    # ``fresh_timeout_seconds``.
    report_wait_seconds: float = Field(default=0.0, ge=0)
    # Webhooks out (app/webhooks): a failed delivery is retried after backoff × 2^(attempt−1)
    # seconds (at most 6 hours) until it succeeds or ``webhook_max_attempts`` is reached; a
    # subscription is disabled after ``webhook_disable_after`` consecutive failed attempts.
    # Events are taken once they are ``webhook_settle_seconds`` old (transactions commit out
    # of id order; a later pass finds what an earlier one could not see yet).
    webhook_backoff_seconds: float = Field(default=30.0, ge=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_disable_after: int = Field(default=5, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_settle_seconds: float = Field(default=5.0, ge=0)
    # ``response.low_score``: a valid response whose own score (percent of the criteria it
    # rated that it rated satisfied) is below this.
    webhook_low_score_percent: float = Field(default=50.0, ge=0, le=100)
    # Invitations that are sent (app/messages): a gateway per channel, e.g.
    # SIPAS_MESSAGE_GATEWAYS='{"sms": {"kind": "http", "url": "https://sms.vendor.vn/send",
    # "token": "...", "rate_per_minute": 120}, "zalo": {"kind": "outbox"}}'. Kinds: "outbox"
    # (development, the demo: writes what would be sent to ``message_outbox_dir``), "http"
    # (a provider's JSON API). A channel without a gateway is refused.
    message_gateways: dict[str, dict[str, str | int | float]] = Field(
        default_factory=lambda: dict(OUTBOX_GATEWAYS)
    )
    message_outbox_dir: Path = PROJECT_ROOT / "var" / "outbox"
    # One reminder this long after the invitation, unless the citizen has answered.
    message_reminder_hours: float = Field(default=72.0, ge=0)
    # No message leaves in these local hours ("21:00-07:00"; empty: none).
    message_quiet_hours: str = "21:00-07:00"
    # Providers' delivery callbacks carry this token (header X-Sipas-Callback-Token); empty:
    # callbacks are refused.
    message_callback_token: str = ""
    # Alerts to unit heads by e-mail (app/alerts): "smtp://user:password@host:587" (STARTTLS
    # when the server offers it) or "smtps://…" (TLS); empty: development outbox (.eml files
    # in ``message_outbox_dir``/mail).
    smtp_url: str = ""
    smtp_from: str = "sipas@localhost"
    # The heads' weekly digest goes out on this weekday (0 = Monday … 6 = Sunday), local time.
    alert_digest_weekday: int = Field(default=0, ge=0, le=6)
    fresh_timeout_seconds: float = Field(default=30.0, gt=0)

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    def today(self) -> date:
        """Today in the province's time zone (rounds, periods and due dates are local days)."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment != "development" and (
            self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 16
        ):
            raise ValueError(
                "SIPAS_SECRET_KEY is missing or a placeholder; set a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _refuse_plain_http_in_production(self) -> Settings:
        """Staff sign in over the public base URL: over http their session cookie travels in
        clear and could not be marked Secure. Refuse (a loud, early failure) rather than warn:
        a warning in a log nobody reads leaves the cookie exposed."""
        if (
            self.environment == "production"
            and not self.secure_cookies
            and not self.allow_insecure_http
        ):
            raise ValueError(
                f"SIPAS_PUBLIC_BASE_URL is {self.public_base_url!r}: production needs https:// "
                "(Secure cookies, HSTS); on a closed network without TLS set "
                "SIPAS_ALLOW_INSECURE_HTTP=true"
            )
        return self

    @property
    def insecure_production(self) -> bool:
        """Production over plain http (allowed explicitly): warned about at every start."""
        return self.environment == "production" and not self.secure_cookies


@lru_cache
def get_settings() -> Settings:
    return Settings()
