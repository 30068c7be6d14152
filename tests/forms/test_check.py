"""`sipas forms check` and the loader: every problem named with its file and line."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.forms.loader import FormFileError, load_catalogue, load_file

MINIMAL = """\
code: tiny
version: "1"
title: {vi: Phiếu nhỏ}
method: {status: internal}
scale:
  levels:
    - {value: 1, label: {vi: Không hài lòng}}
    - {value: 2, label: {vi: Hài lòng}}
  satisfied: [2]
elements:
  - {code: e1, name: {vi: Yếu tố}}
sections:
  - code: s1
    title: {vi: Phần 1}
    stem: {vi: "Ông/Bà hài lòng thế nào?"}
    questions:
      - code: used
        type: single
        text: {vi: "Đã dùng?"}
        options: [{value: "yes", label: {vi: Có}}, {value: "no", label: {vi: Không}}]
      - {code: Q1, type: rating, element: e1, text: {vi: Câu 1},
         show_if: {question: used, in: ["yes"]}}
"""


def write(tmp_path: Path, text: str, name: str = "tiny.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(FormFileError) as caught:
        load_file(path)
    return [str(p) for p in caught.value.problems]


def test_minimal_file_loads(tmp_path: Path):
    loaded = load_file(write(tmp_path, MINIMAL))
    q1 = loaded.instrument.questions[1]
    assert q1.show_if is not None and q1.show_if.in_ == ("yes",)


def test_duplicate_code_is_reported_at_its_line(tmp_path: Path):
    text = MINIMAL + '      - {code: Q1, type: text, text: {vi: "Lặp"}}\n'
    assert problems_of(write(tmp_path, text)) == [
        f"{tmp_path}/tiny.yaml:23: sections.0.questions.2.code: duplicate question code 'Q1'"
    ]


def test_condition_on_a_later_or_unknown_question(tmp_path: Path):
    later = MINIMAL.replace("question: used", "question: Q2").replace('["yes"]', '["1"]')
    later += '      - {code: Q2, type: rating, element: e1, text: {vi: "Câu 2"}}\n'
    found = problems_of(write(tmp_path, later))
    assert found == [
        f"{tmp_path}/tiny.yaml:22: sections.0.questions.1.show_if.question: "
        "refers to a later question: 'Q2'"
    ]
    unknown = MINIMAL.replace("question: used", "question: nope")
    assert "refers to an unknown question: 'nope'" in problems_of(write(tmp_path, unknown))[0]


def test_condition_value_must_be_a_possible_answer(tmp_path: Path):
    text = MINIMAL.replace('in: ["yes"]', 'in: ["maybe"]')
    assert problems_of(write(tmp_path, text)) == [
        f"{tmp_path}/tiny.yaml:22: sections.0.questions.1.show_if: "
        "maybe cannot be an answer to 'used'"
    ]


def test_scale_level_without_label_and_unknown_key(tmp_path: Path):
    text = MINIMAL.replace("- {value: 2, label: {vi: Hài lòng}}", "- {value: 2}")
    text = text.replace("title: {vi: Phần 1}", "title: {vi: Phần 1}\n    colour: red")
    found = problems_of(write(tmp_path, text))
    assert f"{tmp_path}/tiny.yaml:8: scale.levels.1.label: Field required" in found
    assert f"{tmp_path}/tiny.yaml:15: sections.0.colour: Extra inputs are not permitted" in found


def test_duplicate_yaml_key_and_boolean_condition_value(tmp_path: Path):
    text = MINIMAL.replace('version: "1"', 'version: "1"\nversion: "2"')
    duplicate = problems_of(write(tmp_path, text))[0]
    assert duplicate == f"{tmp_path}/tiny.yaml:3: duplicate key 'version'"
    unquoted = MINIMAL.replace('in: ["yes"]', "in: [yes]")
    assert "quote yes/no/true/false" in problems_of(write(tmp_path, unquoted))[0]


def test_points_classes_and_weights_are_checked(tmp_path: Path):
    text = MINIMAL + textwrap.dedent("""\
        aggregation:
          overall: weighted_elements
          weights: {e1: 1, e2: 2}
        """)
    found = problems_of(write(tmp_path, text))
    assert found == [
        f"{tmp_path}/tiny.yaml:25: aggregation.weights: "
        "give one weight for every element, and only those"
    ]


def test_shipped_catalogue_is_valid(forms_dir: Path):
    catalogue = load_catalogue(forms_dir)
    assert "one-stop-counter" in catalogue
    # The counter form 2026.1 (method block, stems, single-barrelled items); pinned so that an
    # unintended change to its content (and so to what respondents answered) fails here.
    assert catalogue["one-stop-counter"].content_hash.startswith("c64a6a59")


def test_cli_check_exit_codes(tmp_path: Path, forms_dir: Path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["forms", "check", str(forms_dir)])
    assert ok.exit_code == 0, ok.output
    assert "instrument(s) OK" in ok.output
    shutil.copy(forms_dir / "one-stop-counter.yaml", tmp_path / "a.yaml")
    write(tmp_path, MINIMAL.replace("question: used", "question: nope"), "b.yaml")
    bad = runner.invoke(cli, ["forms", "check", str(tmp_path)])
    assert bad.exit_code == 1
    assert f"{tmp_path}/b.yaml:22: " in bad.output and "1 problem(s) found" in bad.output
