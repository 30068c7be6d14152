"""A round's microdata for a reader of the whole round."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.reporting.microdata.files import SUFFIX, MicroFormat, render_microdata
from app.reporting.microdata.table import round_microdata
from app.reporting.service import report_target


async def microdata_file(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    round_code: str,
    principal: Principal | None,
    fmt: MicroFormat,
) -> tuple[bytes, str]:
    """(file, name): the round's valid responses in ``fmt``; the reader must see every unit
    of the round (the design's strata and PSUs span them)."""
    target = await report_target(session, catalogue, round_code, None, principal)
    instrument = target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(f"{instrument.code} is scored in points: microdata cover shares only")
    data = await round_microdata(session, target.round, instrument, target.tree, settings.timezone)
    body = await asyncio.to_thread(render_microdata, data, fmt)  # CPU: off the event loop
    return body, f"sipas-{round_code}-microdata.{SUFFIX[fmt]}"
