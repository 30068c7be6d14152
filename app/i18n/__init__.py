"""Languages of the pages: the Vietnamese source text is the msgid, catalogues translate it.

- Templates mark text with ``_("…")`` (newstyle gettext: ``_("Còn %(n)s ngày", n=3)``) or
  ``{% trans %}…{% endtrans %}``; a literal ``%`` in template text is written ``%%``.
- Numbers and dates follow the language: ``{{ n | number }}`` (``number(1)``: one decimal),
  ``{{ d | day }}``,
  ``{{ t | moment(zone) }}`` (a timestamp in a time zone).
- Python code marks user-facing text with ``N_("…")`` (a constant) or ``Message("… %(x)s", x=…)``
  (with parameters); templates show such values with the ``tr`` filter: ``{{ error | tr }}``.
- ``sipas i18n update`` extracts every mark into app/locale/en/LC_MESSAGES/messages.po, and a
  test fails while an English translation is missing. The .po files are read at start-up (no
  compiled .mo files are kept).

The language of a request is ``?lang=`` if given, else (on staff pages only) the ``sipas_lang``
cookie set by the language switch, else Vietnamese. Citizens' pages ignore the cookie, so a
shared kiosk tablet never carries one person's choice over to the next.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

LANGS = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANG = "vi"
LANG_COOKIE = "sipas_lang"
CITIZEN_PREFIXES = ("/s/", "/t/", "/public", "/open-data")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(text: str) -> str:
    """Mark a constant for extraction; it is translated where it is shown (``tr``)."""
    return text


class Message(str):
    """A message with parameters: reads as the Vietnamese text, translates with ``tr``."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        made = super().__new__(cls, msgid % params if params else msgid)
        made.msgid, made.params = msgid, params
        return made


def _load(po_file: Path) -> stdlib_gettext.NullTranslations:
    """A .po catalogue as gettext translations (compiled in memory; fuzzy entries skipped)."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


class Translator:
    """The catalogues of every language, loaded once at start-up."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self.catalogues: dict[str, stdlib_gettext.NullTranslations] = {
            DEFAULT_LANG: stdlib_gettext.NullTranslations()
        }
        for lang in LANGS:
            po_file = directory / lang / "LC_MESSAGES" / "messages.po"
            if lang != DEFAULT_LANG and po_file.exists():
                self.catalogues[lang] = _load(po_file)

    def _of(self, lang: str) -> stdlib_gettext.NullTranslations:
        return self.catalogues.get(lang) or self.catalogues[DEFAULT_LANG]

    def gettext(self, lang: str, text: str) -> str:
        return self._of(lang).gettext(text)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self._of(lang).ngettext(singular, plural, n)

    def translate(self, lang: str, message: object) -> str:
        """A value from Python code: a marked constant, a ``Message``, or anything else."""
        if isinstance(message, Message):
            text = self.gettext(lang, message.msgid)
            return text % message.params if message.params else text
        return self.gettext(lang, str(message)) if message else ""


@lru_cache(maxsize=1)
def _translator() -> Translator:
    return Translator()


def english(message: object) -> str:
    """A message in English, for the API and the command line (Vietnamese is the source)."""
    return _translator().translate("en", message)


def translate(lang: str, message: object) -> str:
    """A marked constant or ``Message`` in ``lang`` (outside a template)."""
    return _translator().translate(lang, message)


def format_number(value: float, lang: str, digits: int | None = None) -> str:
    """A number in the language's notation; ``digits``: exactly that many decimals."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def request_lang(request: Request) -> str:
    """``?lang=``, else the switch's cookie (staff pages only), else Vietnamese."""
    if request.scope.get("query_string"):  # most requests have none: no parsing then
        asked = request.query_params.get("lang")
        if asked in LANGS:
            return asked
    if not request.scope["path"].startswith(CITIZEN_PREFIXES):
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in LANGS:
            return chosen
    return DEFAULT_LANG


def _here_without_lang(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def template_context(request: Request) -> dict[str, Any]:
    """Added to every page: its language and the links that switch to the others.

    ``lang_links``: per other language, ``query`` (this page with ``?lang=``, for citizens) and
    ``switch`` (sets the cookie, then back here, for staff).
    """
    lang = request_lang(request)
    here = _here_without_lang(request)
    links = []
    for code, label in LANGS.items():
        if code == lang:
            continue
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        query = urlencode([*params, ("lang", code)])
        links.append(
            {
                "code": code,
                "label": label,
                "query": f"{request.url.path}?{query}",
                "switch": f"/lang/{code}?{urlencode({'next': here})}",
            }
        )
    return {"lang": lang, "lang_links": links}


def install(templates: Jinja2Templates, translator: Translator) -> None:
    """gettext (newstyle, per request language) and the ``tr`` filter on the shared env."""

    @pass_context
    def _gettext(context: Context, text: str) -> str:
        return translator.gettext(context.get("lang") or DEFAULT_LANG, text)

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return translator.ngettext(context.get("lang") or DEFAULT_LANG, singular, plural, n)

    @pass_context
    def _tr(context: Context, message: object) -> str:
        return translator.translate(context.get("lang") or DEFAULT_LANG, message)

    @pass_context
    def _number(context: Context, value: float, digits: int | None = None) -> str:
        return format_number(value, context.get("lang") or DEFAULT_LANG, digits)

    @pass_context
    def _day(context: Context, value: date) -> str:
        return format_date(value, "medium", locale=context.get("lang") or DEFAULT_LANG)

    @pass_context
    def _moment(context: Context, value: datetime, zone: tzinfo) -> str:
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
        return format_datetime(
            local, "short", tzinfo=zone, locale=context.get("lang") or DEFAULT_LANG
        )

    env = templates.env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(tr=_tr, number=_number, day=_day, moment=_moment)
    templates.context_processors.append(template_context)
