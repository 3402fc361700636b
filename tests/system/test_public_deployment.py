"""A public deployment's flags on a real ``newsgql serve``: trusted documents only, no introspection
(issue 14: ``--documents FILE``, ``--documents-only``, ``--no-introspection``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.support.launch import newsgql_command, serve

DAYS = "query Days { days(first: 2) { date eventCount } }"


def test_only_the_trusted_documents_run(sample_db: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "documents.json"
    manifest.write_text(json.dumps({"days": DAYS}))
    with serve(sample_db, tmp_path / "serve.log", "--documents", str(manifest), "--documents-only",
               "--no-introspection") as server:
        trusted = httpx.get(f"{server.url}/graphql", params={"documentId": "days"})
        other = httpx.post(f"{server.url}/graphql", json={"query": "{ events(first: 1) { totalCount } }"})
        introspection = httpx.post(f"{server.url}/graphql", json={"query": "{ __schema { types { name } } }"})
        page = httpx.get(f"{server.url}/graphql", headers={"accept": "text/html"})
    assert trusted.json() == {"data": {"days": [{"date": "2016-12-14", "eventCount": 1},
                                                {"date": "2015-09-10", "eventCount": 14}]}}
    assert trusted.headers["etag"]
    assert other.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    assert introspection.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    assert "GraphiQL is not offered" in page.text


def test_bad_document_flags_are_one_line(sample_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    for args, message in ((["--documents-only"], "Error: --documents-only needs --documents FILE"),
                          (["--documents", str(bad)], "a documents manifest is a JSON object of id -> document")):
        done = subprocess.run([*newsgql_command(), "serve", str(sample_db), *args], capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 1 and message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
