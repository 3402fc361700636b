"""No SQL is built from user text and the served file cannot change: SQL injection payloads go through
every String/ID argument the schema has (found by introspection), and the file stays byte-identical."""

from __future__ import annotations

import base64
import hashlib
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.read import Reader
from gql.web.app import create_app

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECT = f"""{{ __schema {{ types {{ kind name
  fields {{ name type {{ {TYPE_REF} }} args {{ name type {{ {TYPE_REF} }} }} }}
  inputFields {{ name type {{ {TYPE_REF} }} }} }} }} }}"""
#: How to reach a field of each type that has arguments: the selection around it.
REACH = {
    "Query": "{{ {} }}",
    "Event": "{{ events(first: 3) {{ edges {{ node {{ {} }} }} }} }}",
    "Context": "{{ contexts(first: 3) {{ {} }} }}",
}
#: Where each input type can be given.
INPUT_AT = {"EventFilter": ["events(filter: $v) {{ totalCount }}", "timeline(filter: $v) {{ count }}"]}
FILLER = {"String": '"x"', "ID": '"x"', "Int": "1", "Boolean": "false", "Date": '"2015-09-01"'}


def payloads(tmp: Path) -> list[str]:
    cursor = base64.urlsafe_b64encode(b"e:1; DROP TABLE events").decode()
    return [
        "'); DROP TABLE events; --",
        "x' OR 1=1 --",
        '" OR ""="',
        f"ATTACH DATABASE '{tmp}/attached.db' AS x; --",
        f"'; ATTACH DATABASE '{tmp}/attached.db' AS y; CREATE TABLE y.t(a); --",
        "1; DELETE FROM events",
        "'; PRAGMA query_only = OFF; INSERT INTO meta VALUES ('pwned', 1); --",
        "') UNION SELECT sql, 1, 1 FROM sqlite_master --",
        "%' OR '%' = '",
        "*",
        "\x00'; DROP TABLE meta; --",
        "title: x OR body: y NEAR(x y) \"",
        "events_fts MATCH 'x'); DROP TABLE events; --",
        "/news/2015/09/01/x.md'; DROP TABLE events; --",
        cursor,
        f"x' || writefile('{tmp}/pwned', 'x') || '",
        "x'); SELECT load_extension('/tmp/evil'); --",
    ]


def type_ref(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return type_ref(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return "[" + type_ref(ref["ofType"]) + "]"
    return str(ref["name"])


def named(ref: dict[str, Any]) -> dict[str, Any]:
    return named(ref["ofType"]) if ref["kind"] in ("NON_NULL", "LIST") else ref


def selection(types: dict[str, Any], ref: dict[str, Any]) -> str:
    """``{ __typename <every scalar field without arguments> }`` for objects, nothing for scalars."""
    target = types[named(ref)["name"]]
    if target["kind"] in ("SCALAR", "ENUM"):
        return ""
    scalars = [f["name"] for f in target["fields"] or [] if not f["args"] and named(f["type"])["kind"] == "SCALAR"]
    return "{ __typename " + " ".join(scalars) + " }"


@dataclass(frozen=True)
class Target:
    """One place user text goes in: the document that sends it as ``$v``, and how to wrap it."""

    where: str
    document: str
    is_list: bool
    input_field: str | None = None  # set when $v is an input object and the text goes in this field

    def value(self, text: str) -> Any:
        inner: Any = [text] if self.is_list else text
        return {self.input_field: inner} if self.input_field else inner


def targets(types: dict[str, Any]) -> list[Target]:
    """Every String/ID argument and input field in the schema, each in a document that reaches it."""
    out: list[Target] = []
    for type_name, kind in ((name, t["kind"]) for name, t in types.items() if not name.startswith("__")):
        for f in types[type_name].get("fields") or []:
            for arg in f["args"]:
                if named(arg["type"])["name"] not in ("String", "ID"):
                    continue
                assert type_name in REACH, f"no way to reach {type_name}.{f['name']}: add it to REACH"
                others = [f"{a['name']}: {FILLER[named(a['type'])['name']]}" for a in f["args"]
                          if a is not arg and a["type"]["kind"] == "NON_NULL" and named(a["type"])["kind"] == "SCALAR"]
                declared, is_list = type_ref(arg["type"]), arg["type"]["kind"] == "LIST" or "[" in type_ref(arg["type"])
                for extra in ([], ["advanced: true"]) if "advanced" in [a["name"] for a in f["args"]] else ([],):
                    args = ", ".join([f"{arg['name']}: $v", *(o for o in others if not extra or "advanced" not in o),
                                      *extra])
                    inner = REACH[type_name].format(f"{f['name']}({args}) {selection(types, f['type'])}")
                    where = f"{type_name}.{f['name']}({arg['name']}{', advanced' if extra else ''})"
                    out.append(Target(where, f"query($v: {declared}) {inner}", is_list))
        if kind == "INPUT_OBJECT":
            assert type_name in INPUT_AT, f"no way to give {type_name}: add it to INPUT_AT"
            for field in types[type_name]["inputFields"]:
                if named(field["type"])["name"] not in ("String", "ID"):
                    continue
                for at in INPUT_AT[type_name]:
                    out.append(Target(f"{type_name}.{field['name']} in {at.split('(')[0]}",
                                      f"query($v: {type_name}) {{ {at.format()} }}",
                                      "[" in type_ref(field["type"]), field["name"]))
    return out


def snapshot(db: Path) -> tuple[str, dict[str, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()
    return hashlib.sha256(db.read_bytes()).hexdigest(), counts


@pytest.fixture
def served(sample_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "served.db"
    shutil.copyfile(sample_db, copy)
    return copy


@pytest.fixture
async def http(served: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(served))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_injection_through_every_string_argument(http: httpx.AsyncClient, served: Path,
                                                       tmp_path: Path) -> None:
    before = snapshot(served)
    schema = (await http.post("/graphql", json={"query": INTROSPECT})).json()["data"]["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    found = targets(types)
    assert {t.where.split(".")[0] for t in found} >= {"Query", "Context", "EventFilter"}
    sent = 0
    for target in found:
        for payload in payloads(tmp_path):
            variables = {"v": target.value(payload)}
            response = await http.post("/graphql", json={"query": target.document, "variables": variables})
            sent += 1
            assert response.status_code < 500, (target.where, payload)
            assert "Unexpected error." not in response.text, (target.where, payload, response.text[:300])
            body = response.json()
            assert body.get("data") is not None or body.get("errors"), (target.where, body)
            assert "Cannot query field" not in response.text and "Unknown argument" not in response.text, body
    print(f"\nread-only: {len(found)} places for user text x {len(payloads(tmp_path))} payloads = {sent} requests: "
          + ", ".join(t.where for t in found))
    assert snapshot(served) == before
    assert not (tmp_path / "attached.db").exists() and not (tmp_path / "pwned").exists()


def test_the_connection_cannot_write(served: Path, tmp_path: Path) -> None:
    before = snapshot(served)
    reader = Reader(served)
    try:
        for sql in ("INSERT INTO meta (key, value) VALUES ('x', 'y')", "DELETE FROM events",
                    "UPDATE events SET title = 'x'", "DROP TABLE events", "CREATE TABLE t (a)",
                    "INSERT INTO events_fts (events_fts) VALUES ('rebuild')", "PRAGMA user_version = 7"):
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                reader.conn.execute(sql)
        reader.conn.execute("PRAGMA query_only = OFF")  # the file is opened mode=ro: still no writes
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        with pytest.raises(sqlite3.OperationalError, match="not authorized"):
            reader.conn.execute("SELECT load_extension('/nonexistent')")
    finally:
        reader.close()
    assert snapshot(served) == before
