"""gql.cursors: opaque cursors and global ids round-trip, and decode refuses anything else by name."""

from __future__ import annotations

import base64

import pytest

from gql import cursors
from gql.errors import BAD_USER_INPUT, UserError
from gql.limits import MAX_CURSOR_CHARS


def raw(text: str | bytes) -> str:
    """Unpadded URL-safe base64 of any text, valid cursor or not."""
    data = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("e", 5, "ZTo1"),
    ("e", 0, "ZTow"),
    ("s", 0, "czow"),
    ("s", 19, "czoxOQ"),
    ("Event", 1, "RXZlbnQ6MQ"),
    ("Context", 12, "Q29udGV4dDoxMg"),
])
def test_encode_gives_unpadded_urlsafe_base64(kind: str, value: int, expected: str) -> None:
    assert cursors.encode(kind, value) == expected
    assert cursors.decode(expected, (kind,)) == (kind, value)


@pytest.mark.parametrize("kind", ["e", "s", "Event", "Context"])
@pytest.mark.parametrize("value", [0, 1, 7, 63, 255, 10**6, 2**32, 2**63 - 1])
def test_round_trip(kind: str, value: int) -> None:
    text = cursors.encode(kind, value)
    assert "=" not in text
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert cursors.decode(text, (kind,)) == (kind, value)
    assert cursors.decode(text, ("e", "s", "Event", "Context")) == (kind, value)


def test_the_kind_found_is_the_one_encoded() -> None:
    assert cursors.decode(cursors.encode("s", 3), ("e", "s")) == ("s", 3)
    assert cursors.decode(cursors.encode("e", 3), ("e", "s")) == ("e", 3)


def test_length_limit_is_inclusive() -> None:
    # a cursor of exactly the maximum length is decoded (and refused for its leading zeros: one
    # spelling per cursor); one character more is refused unread
    longest = cursors.encode("e", "0" * 45 + "5")
    assert len(longest) == MAX_CURSOR_CHARS
    with pytest.raises(UserError) as info:
        cursors.decode(longest, ("e",))
    assert info.value.message == f"invalid cursor: {longest[:40]!r}"
    with pytest.raises(UserError) as info:
        cursors.decode(cursors.encode("e", "0" * 48 + "5"), ("e",))
    assert info.value.message == "invalid cursor: too long"


@pytest.mark.parametrize(("text", "message"), [
    ("A" * (MAX_CURSOR_CHARS + 1), "invalid cursor: too long"),
    ("ZTo1" * 100, "invalid cursor: too long"),
    ("Z", "invalid cursor: 'Z'"),  # not base64: one character is no byte
    ("ZTo", "invalid cursor: 'ZTo'"),  # 'e:' and no number
    ("zz", "invalid cursor: 'zz'"),  # a byte that is not ASCII
    ("é", "invalid cursor: 'é'"),  # the text itself is not ASCII
    (raw(b"\xff:1"), "invalid cursor: '_zox'"),
    (raw("e5"), "invalid cursor: 'ZTU'"),  # no colon
    (raw("e:"), "invalid cursor: 'ZTo'"),
    (raw("e:x"), "invalid cursor: 'ZTp4'"),  # not an integer
    (raw("e:1.5"), "invalid cursor: 'ZToxLjU'"),
    (raw("e:-1"), "invalid cursor: 'ZTotMQ' does not belong here"),  # negative
    (raw(f"e:{2**63}"), f"invalid cursor: {raw(f'e:{2**63}')!r} does not belong here"),
    (raw("s:1"), "invalid cursor: 'czox' does not belong here"),  # wrong kind
    (raw("Event:1"), "invalid cursor: 'RXZlbnQ6MQ' does not belong here"),
    (raw(":1"), "invalid cursor: 'OjE' does not belong here"),
])
def test_decode_refuses(text: str, message: str) -> None:
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("e",))
    assert info.value.message == message
    assert info.value.extensions == {"code": BAD_USER_INPUT}


def test_the_message_quotes_at_most_40_characters() -> None:
    text = "!" * MAX_CURSOR_CHARS
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("e",))
    assert info.value.message == f"invalid cursor: {'!' * 40!r}"


@pytest.mark.parametrize("what", ["cursor", "id"])
@pytest.mark.parametrize("text", ["A" * (MAX_CURSOR_CHARS + 1), "zz", raw("e:x"), raw("Context:1"), raw("Event:-3")])
def test_the_message_names_what_was_given(what: str, text: str) -> None:
    with pytest.raises(UserError) as info:
        cursors.decode(text, ("Event",), what=what)
    assert info.value.message.startswith(f"invalid {what}: ")


def test_node_id_is_the_encoded_type_and_row_id() -> None:
    assert cursors.node_id("Event", 1) == "RXZlbnQ6MQ" == cursors.encode("Event", 1)
    assert cursors.node_id("Context", 12) == "Q29udGV4dDoxMg"
    assert cursors.decode(cursors.node_id("Context", 99), ("Event", "Context"), what="id") == ("Context", 99)
    assert cursors.node_id("Event", 5) != cursors.node_id("Context", 5)


@pytest.mark.parametrize("spelling", ["ZTo1!!", "Z.To1", "ZTo1==", "ZTo+NQ", "ZTogNQ", "ZTorNQ", "ZTowNQ", "ZToxXzA"])
def test_a_cursor_has_one_spelling(spelling: str) -> None:
    # stray characters, padding, the standard alphabet, " 5", "+5", "05", "1_0": each refused
    with pytest.raises(UserError):
        cursors.decode(spelling, ("e",))
    assert cursors.decode(cursors.encode("e", 5), ("e",)) == ("e", 5)
