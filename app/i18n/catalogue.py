"""Keeping the catalogues in step with the code: extract every marked message, update the .po
files (new messages get an empty translation), and list what is still untranslated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from app.i18n import DEFAULT_LANG, LANGS, LOCALE_DIR

APP_DIR = Path(__file__).resolve().parent.parent
METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Message": None}


def extract(app_dir: Path = APP_DIR) -> Catalog:
    """Every message marked in templates (``_``, ``trans``) and Python (``N_``, ``Message``)."""
    catalog = Catalog(project="sipas", fuzzy=False)
    found = extract_from_dir(app_dir, METHOD_MAP, OPTIONS, KEYWORDS)
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    path = po_path(lang, locale_dir)
    if not path.exists():
        return Catalog(locale=lang, project="sipas", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def update(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """Merge the extracted messages into ``lang``'s .po file (sorted, without locations, so
    that helpers adding messages in parallel rarely conflict); obsolete ones are dropped."""
    catalog = read_catalogue(lang, locale_dir)
    catalog.update(extract(), update_creation_date=False)
    catalog.obsolete.clear()
    path = po_path(lang, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True)
    return path


@dataclass(frozen=True)
class Problem:
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.what}: {self.msgid!r}"


def problems(lang: str, locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """Messages of the code that ``lang`` does not translate (missing, empty, fuzzy), and
    translations whose placeholders differ from the source."""
    catalog = read_catalogue(lang, locale_dir)
    found: list[Problem] = []
    for message in extract():
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        entry = catalog.get(message.id)
        strings = entry.string if entry is not None else None
        texts = [strings] if isinstance(strings, str) else list(strings or ())
        if entry is None or not texts or not all(texts):
            found.append(Problem(msgid, "untranslated"))
        elif entry.fuzzy:
            found.append(Problem(msgid, "fuzzy"))
    for message, errors in catalog.check():
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found += [Problem(msgid, str(error)) for error in errors]
    return found


def languages() -> list[str]:
    return [lang for lang in LANGS if lang != DEFAULT_LANG]
