"""gql.cursors: opaque cursors and global ids round-trip, and decode refuses anything else by name."""

from __future__ import annotations

import base64

import pytest

from gql import cursors
from gql.errors import BAD_USER_INPUT, UserError
from gql.limits import MAX_CURSOR_CHARS

PATH = "/news/2015/09/05/refugees-march.md"


def raw(text: str | bytes) -> str:
    """Unpadded URL-safe base64 of any text, valid cursor or not."""
    data = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("e", 5, "ZTo1"),
    ("s", 0, "czow"),
    ("s", 19, "czoxOQ"),
    ("Event", "/news/2015/09/05/x.md", "RXZlbnQ6L25ld3MvMjAxNS8wOS8wNS94Lm1k"),
    ("Context", "Syria", "Q29udGV4dDpTeXJpYQ"),
])
def test_encode_gives_unpadded_urlsafe_base64(kind: str, value: int | str, expected: str) -> None:
    assert cursors.encode(kind, value) == expected
    assert cursors.decode(expected, (kind,)) == (kind, str(value))


@pytest.mark.parametrize("kind", ["e", "s", "Event", "Context"])
@pytest.mark.parametrize("value", ["0", "2", "63", str(2**63 - 1), PATH, "Rowan County, Kentucky", "Zürich: a:b",
                                   "é" * 300])
def test_round_trip(kind: str, value: str) -> None:
    text = cursors.encode(kind, value)
    assert "=" not in text
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert cursors.decode(text, (kind,)) == (kind, value)
    assert cursors.decode(text, ("e", "s", "Event", "Context")) == (kind, value)


def test_the_kind_found_is_the_one_encoded() -> None:
    assert cursors.decode(cursors.encode("s", 3), ("e", "s")) == ("s", "3")
    assert cursors.decode(cursors.encode("e", PATH), ("e", "s")) == ("e", PATH)


def test_length_limit_is_inclusive() -> None:
    fits = next(cursors.encode("e", "x" * n) for n in range(MAX_CURSOR_CHARS)
                if len(cursors.encode("e", "x" * n)) == MAX_CURSOR_CHARS)
    assert cursors.decode(fits, ("e",))[0] == "e"
    with pytest.raises(UserError) as info:
        cursors.decode(fits + "A", ("e",))
    assert info.value.message == "invalid cursor: too long"


@pytest.mark.parametrize(("text", "message"), [
    ("A" * (MAX_CURSOR_CHARS + 1), "invalid cursor: too long"),
    ("Z", "invalid cursor: 'Z'"),  # not base64: one character is no byte
    ("zz", "invalid cursor: 'zz'"),  # a byte that is not UTF-8
    ("é", "invalid cursor: 'é'"),  # the text itself is not base64
    (raw(b"\xff:1"), "invalid cursor: '_zox'"),
    (raw("e5"), "invalid cursor: 'ZTU'"),  # no colon
    (raw("s:1"), "invalid cursor: 'czox' does not belong here"),  # wrong kind
    (raw("Event:1"), "invalid cursor: 'RXZlbnQ6MQ' does not belong here"),
    (raw(":1"), "invalid cursor: 'OjE' does not belong here"),
])
def test_decode_refuses(text: str, message: str) -> None:
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("e",))
    assert info.value.message == message
    assert info.value.extensions == {"code": BAD_USER_INPUT}


@pytest.mark.parametrize("value", ["", "x", "01", "-1", "+1", " 1", "1.5", "١", str(2**63)])
def test_a_number_has_one_spelling(value: str) -> None:
    with pytest.raises(UserError) as info:
        cursors.number(value, "t")
    assert info.value.message == "invalid cursor: 't'"


def test_the_message_quotes_at_most_40_characters() -> None:
    text = "!" * MAX_CURSOR_CHARS
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("e",))
    assert info.value.message == f"invalid cursor: {'!' * 40!r}"


@pytest.mark.parametrize("what", ["cursor", "id"])
@pytest.mark.parametrize("text", ["A" * (MAX_CURSOR_CHARS + 1), "zz", raw("e5"), raw("Context:1")])
def test_the_message_names_what_was_given(what: str, text: str) -> None:
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("Event",), what=what)
    assert info.value.message.startswith(f"invalid {what}: ")


def test_node_id_is_the_encoded_type_and_identity() -> None:
    assert cursors.node_id("Event", PATH) == cursors.encode("Event", PATH)
    assert cursors.decode(cursors.node_id("Context", "Syria"), ("Event", "Context"), what="id") == ("Context", "Syria")
    assert cursors.node_id("Event", "Syria") != cursors.node_id("Context", "Syria")


@pytest.mark.parametrize("spelling", ["ZTo1!!", "Z.To1", "ZTo1==", "ZTo+NQ"])
def test_a_cursor_has_one_spelling(spelling: str) -> None:
    # stray characters, padding, the standard alphabet: each refused
    with pytest.raises(UserError):
        cursors.decode(spelling, ("e",))
    assert cursors.decode(cursors.encode("e", 5), ("e",)) == ("e", "5")
