"""Open data of a public revision: the files, their Frictionless descriptor (validated by
frictionless), the feed, and the verify page (the published file matches, one byte off not)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.public.helpers import frozen_province, make_public

FILES = ("units.csv", "indicators.csv", "units.json", "indicators.json", "revision.json")


async def test_open_data_files_match_the_revision_and_validate(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient, tmp_path: Path
):
    await frozen_province(app, client)
    made = await make_public(client)
    assert set(made["files"]) == {*FILES, "datapackage.json"}
    api = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()
    digest = api["snapshot"]["content_hash"]

    got = {}
    for name in (*FILES, "datapackage.json"):
        answer = await anonymous.get(f"/open-data/R2026/1/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["access-control-allow-origin"] == "*"
        got[name] = answer.content
        (tmp_path / name).write_bytes(answer.content)
    # revision.json is the canonical JSON the revision's hash is the SHA-256 of.
    assert hashlib.sha256(got["revision.json"]).hexdigest() == digest
    package = json.loads(got["datapackage.json"])
    assert package["sipas"]["content_hash"] == f"sha256:{digest}"
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    for resource in package["resources"]:
        expected = hashlib.sha256(got[resource["path"]]).hexdigest()
        assert resource["hash"] == f"sha256:{expected}"
        assert resource.get("bytes", len(got[resource["path"]])) == len(got[resource["path"]])

    rows = {r["unit_code"]: r for r in csv.DictReader(io.StringIO(got["units.csv"].decode()))}
    assert set(rows) == {"P", "D1", "D2", "C11", "C12", "C21"}
    assert rows["D1"]["parent_code"] == "P" and rows["C12"]["parent_code"] == "D1"
    assert float(rows["D1"]["index"]) == pytest.approx(api["index"], abs=1e-8)
    assert float(rows["D1"]["se"]) == pytest.approx(api["se"], abs=1e-8)
    assert rows["C12"]["index"] == "" and rows["C12"]["reliable"] == "false"
    assert rows["C12"]["withheld_reason"] == "Not reliable enough: n = 1, at least 3 needed"
    assert rows["C21"]["withheld_reason"] == "No responses"
    assert json.loads(got["units.json"])[0]["unit_code"] == "C11"

    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # A changed byte in a resource fails the hash check of the descriptor.
    changed = got["units.csv"].replace(b"D1,", b"D9,", 1)
    (tmp_path / "units.csv").write_bytes(changed)
    assert not frictionless.validate(str(tmp_path / "datapackage.json")).valid


async def test_the_feed_lists_every_public_revision(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    assert (await anonymous.get("/open-data/feed.json")).json()["items"] == []
    await make_public(client)
    feed = await anonymous.get("/open-data/feed.json")
    assert feed.headers["content-type"].startswith("application/feed+json")
    body = feed.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    (item,) = body["items"]
    assert item["id"] == "https://khaosat.example.vn/open-data/R2026/1/datapackage.json"
    assert item["url"] == "https://khaosat.example.vn/public/R2026?revision=1"
    assert item["_sipas"]["revision"] == 1
    index = await anonymous.get("/public")
    assert 'href="/public/R2026?lang=vi"' in index.text


async def test_verify_accepts_the_published_file_and_rejects_a_changed_byte(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    await make_public(client)
    published = (await anonymous.get("/open-data/R2026/1/revision.json")).content
    assert len(published) > 64 * 1024  # above the body limit of forms: verify takes uploads

    ok = await anonymous.post(
        "/public/verify", files={"file": ("revision.json", published, "application/json")}
    )
    assert ok.status_code == 200
    assert 'id="verify-ok"' in ok.text and "revision.json" in ok.text
    assert hashlib.sha256(published).hexdigest() in ok.text

    one_byte = bytearray(published)
    one_byte[len(one_byte) // 2] ^= 0x01
    bad = await anonymous.post(
        "/public/verify", files={"file": ("revision.json", bytes(one_byte), "application/json")}
    )
    assert bad.status_code == 200
    assert 'id="verify-bad"' in bad.text and 'id="verify-ok"' not in bad.text

    csv_text = (await anonymous.get("/open-data/R2026/1/units.csv")).text
    pasted = await anonymous.post("/public/verify", data={"text": csv_text.replace("\n", "\r\n")})
    assert 'id="verify-ok"' in pasted.text and "units.csv" in pasted.text
    by_hash = await anonymous.post(
        "/public/verify", data={"text": hashlib.sha256(published).hexdigest().upper()}
    )
    assert 'id="verify-ok"' in by_hash.text

    empty = await anonymous.post("/public/verify", data={"text": "  "})
    assert empty.status_code == 422 and 'id="verify-error"' in empty.text
    form = await anonymous.get("/public/verify?lang=en")
    assert "Verify a published file" in form.text
