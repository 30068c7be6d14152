"""`sipas weights ROUND ...`: compute a round's weight set from CSV totals; print its summary."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from app.audit.service import CLI
from app.config import get_settings
from app.db import standalone_session
from app.errors import AppError
from app.models import WeightSet
from app.rounds.service import get_round
from app.weights.data import Progress
from app.weights.schemas import ComputeRequest
from app.weights.service import compute_weight_set
from app.weights.totals import Row, cells_of, csv_rows, eligible_of, margins_of

TOTAL_HELP = "CSV with columns variable,category,total (variable: unit, unit@LEVEL, a question)"


def _rows(path: Path) -> list[Row]:
    try:
        return csv_rows(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror}") from None


def _trim(text: str, scale: str) -> dict[str, Any]:
    low, sep, high = text.partition(":")
    if not sep:
        raise typer.BadParameter("--trim takes LOW:HIGH, e.g. 0.3:3")
    return {"lower": low, "upper": high, "scale": scale}


def build_request(
    rake: Path | None,
    poststratify: Path | None,
    nonresponse: Path | None,
    options: dict[str, Any],
) -> ComputeRequest:
    if rake and poststratify:
        raise typer.BadParameter("choose --rake or --poststratify, not both")
    method = "rake" if rake else "poststratify" if poststratify else None
    body: dict[str, Any] = {
        **options,
        "method": method or ("nonresponse" if nonresponse else "base"),
    }
    if rake:
        body["margins"] = margins_of(_rows(rake))
    if poststratify:
        body["cells"] = cells_of(_rows(poststratify))
    if nonresponse:
        body["nonresponse"] = eligible_of(_rows(nonresponse), body.pop("by"))
    body.pop("by", None)
    try:
        return ComputeRequest.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise typer.BadParameter(problems) from None


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A bar per phase on a terminal; nothing when the output goes to a file or a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


def _line(label: str, s: dict[str, Any]) -> str:
    return (
        f"{label:<16}{s['n']:>8}{s['sum']:>14.2f}{s['min']:>11.4g}{s['max']:>11.4g}"
        f"{s['mean']:>11.4g}{s['deff']:>8.3f}{s['effective_n']:>10.1f}"
    )


def summary_text(found: WeightSet, created: bool) -> str:
    summary = found.summary
    state = "new" if created else "unchanged: same inputs and responses"
    lines = [
        f"weight set {found.name} v{found.version} (id {found.id}, {state}), method "
        f"{found.method}, {found.responses} responses, {summary['iterations']} iterations",
        f"{'stratum':<16}{'n':>8}{'sum':>14}{'min':>11}{'max':>11}{'mean':>11}"
        f"{'deff':>8}{'eff. n':>10}",
        _line("all", summary["overall"]),
        _line("base weights", summary["base"]),
    ]
    lines += [_line(label, s) for label, s in summary["strata"].items()]
    return "\n".join(lines)


async def _compute(round_code: str, request: ComputeRequest, progress: Progress | None) -> str:
    from app.forms.registry import Catalogue
    from app.instruments.registry import register_forms

    settings = get_settings()
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with standalone_session(settings) as session:
        await register_forms(session, catalogue)
        round_ = await get_round(session, round_code)
        instrument = catalogue.get(round_.form_code).instrument
        found, created = await compute_weight_set(
            session, CLI, round_, instrument, request, progress
        )
        return summary_text(found, created)


def weights(
    round_code: str = typer.Argument(..., metavar="ROUND", help="Round code."),
    rake: Path | None = typer.Option(None, help=f"Rake to margins: {TOTAL_HELP}."),
    poststratify: Path | None = typer.Option(
        None, help="Post-stratify to cells: CSV with a column per variable, then total."
    ),
    nonresponse: Path | None = typer.Option(
        None, help="First adjust for nonresponse: CSV stratum,count (or stratum,weight)."
    ),
    by: str = typer.Option("unit", help="The strata of --nonresponse (unit, unit@LEVEL...)."),
    trim: str | None = typer.Option(None, help="LOW:HIGH bounds when raking, e.g. 0.3:3."),
    trim_scale: str = typer.Option("factor", help="factor (final/base weight) or weight."),
    name: str | None = typer.Option(None, help="Weight set name (default: the method)."),
    activate: bool = typer.Option(False, help="Make it the round's weights (weighting raked)."),
    tolerance: float = typer.Option(1e-10, help="Largest relative gap to a margin's total."),
    max_iterations: int = typer.Option(1000, help="Raking sweeps before giving up."),
) -> None:
    """Compute (or find, when unchanged) a round's weight set and print its summary."""
    options: dict[str, Any] = {"name": name, "activate": activate, "by": by}
    options.update(tolerance=tolerance, max_iterations=max_iterations)
    if trim:
        options["trim"] = _trim(trim, trim_scale)
    request = build_request(rake, poststratify, nonresponse, options)
    with progress_bar() as progress:
        try:
            text = asyncio.run(_compute(round_code, request, progress))
        except AppError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from None
    typer.echo(text)
