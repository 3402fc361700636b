"""gql.arguments: each argument's check and conversion, as both executors apply them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from db.filters import FILTERS_BY_NAME, IN_CONTEXT, Criteria, Filter, Kind
from gql import arguments, cursors
from gql.errors import LimitExceeded, UserError
from gql.limits import DEFAULT_PAGE, MAX_FILTER_CONTEXTS, MAX_OFFSET, MAX_PAGE, MAX_SEARCH_CHARS, MAX_SEARCH_WORDS

F = FILTERS_BY_NAME

# -- search text ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("syria", '"syria"*'),
    ("migrant crisis", '"migrant" "crisis"*'),
    ("  migrant   crisis  ", '"migrant" "crisis"*'),
    # FTS5 operators are words like any other
    ("migrant AND crisis", '"migrant" "AND" "crisis"*'),
    ("migrant NOT Hungary OR x", '"migrant" "NOT" "Hungary" "OR" "x"*'),
    ("NEAR(a b)", '"NEAR" "a" "b"*'),
    # punctuation, quotes and FTS5 syntax characters are dropped
    ('say "hi"', '"say" "hi"*'),
    ('"unclosed', '"unclosed"*'),
    ("prefix* ^start col:value", '"prefix" "start" "col" "value"*'),
    ("(a OR b) - c + d", '"a" "OR" "b" "c" "d"*'),
    ("it's U.S.-led", '"it" "s" "U" "S" "led"*'),
    ("a_b", '"a_b"*'),
    ("2015", '"2015"*'),
    # unicode words survive whole
    ("café Zürich", '"café" "Zürich"*'),
    ("Αθήνα Москва 北京", '"Αθήνα" "Москва" "北京"*'),
])
def test_plain_match(text: str, expected: str) -> None:
    assert arguments.plain_match(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "!!!", '"" * ()', "- + ^ : *", "\u0301"])
def test_plain_match_without_words_is_none(text: str) -> None:
    assert arguments.plain_match(text) is None


def test_plain_match_keeps_the_first_words_only() -> None:
    words = [f"w{index}" for index in range(MAX_SEARCH_WORDS + 10)]
    match = arguments.plain_match(" ".join(words))
    assert match is not None
    quoted = match.split(" ")
    assert len(quoted) == MAX_SEARCH_WORDS
    assert quoted[0] == '"w0"'
    assert quoted[-1] == f'"w{MAX_SEARCH_WORDS - 1}"*'


@pytest.mark.parametrize(("text", "advanced", "expected"), [
    ("migrant NOT Hungary", True, "migrant NOT Hungary"),
    ('"unclosed', True, '"unclosed'),  # advanced text is SQLite's to parse
    ("", True, ""),
    ("migrant NOT Hungary", False, '"migrant" "NOT" "Hungary"*'),
    ("!!!", False, None),
])
def test_search_match(text: str, advanced: bool, expected: str | None) -> None:
    assert arguments.search_match(text, advanced) == expected


@pytest.mark.parametrize("advanced", [True, False])
def test_search_match_refuses_long_text(advanced: bool) -> None:
    assert arguments.search_match("a" * MAX_SEARCH_CHARS, advanced) is not None
    with pytest.raises(UserError) as info:
        arguments.search_match("a" * (MAX_SEARCH_CHARS + 1), advanced)
    assert info.value.message == f"search query too long ({MAX_SEARCH_CHARS} characters at most)"
    assert not isinstance(info.value, LimitExceeded)


# -- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "kwargs", "expected"), [
    (None, {}, DEFAULT_PAGE),
    (None, {"default": 10}, 10),
    (0, {}, 0),
    (1, {}, 1),
    (MAX_PAGE, {}, MAX_PAGE),
    (7, {"maximum": 7}, 7),
])
def test_page_size(first: int | None, kwargs: dict[str, int], expected: int) -> None:
    assert arguments.page_size(first, **kwargs) == expected


@pytest.mark.parametrize(("first", "kwargs", "message"), [
    (-1, {}, f"first must be between 0 and {MAX_PAGE}; got -1"),
    (MAX_PAGE + 1, {}, f"first must be between 0 and {MAX_PAGE}; got {MAX_PAGE + 1}"),
    (1000, {}, f"first must be between 0 and {MAX_PAGE}; got 1000"),
    (8, {"maximum": 7}, "first must be between 0 and 7; got 8"),
])
def test_page_size_refuses(first: int, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(LimitExceeded) as info:
        arguments.page_size(first, **kwargs)
    assert info.value.message == message
    assert info.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("value", [0, 1, MAX_OFFSET])
def test_offset(value: int) -> None:
    assert arguments.offset(value) == value


@pytest.mark.parametrize("value", [-1, MAX_OFFSET + 1])
def test_offset_refuses(value: int) -> None:
    with pytest.raises(UserError) as info:
        arguments.offset(value)
    assert info.value.message == f"offset must be between 0 and {MAX_OFFSET}; got {value}"


# -- cursors ---------------------------------------------------------------------------------


PATH = "/news/2015/09/05/refugees-march.md"


def test_event_cursor() -> None:
    assert arguments.event_cursor(None) is None
    assert arguments.event_cursor("") is None
    assert arguments.event_cursor(cursors.encode("e", PATH)) == PATH


@pytest.mark.parametrize("after", [cursors.encode("s", 42), cursors.encode("Event", PATH), "zz",
                                   cursors.encode("e", 42),  # a row number, as cursors held before ids were paths
                                   cursors.encode("e", "/news/2015/9/5/refugees-march.md"),  # not the one spelling
                                   cursors.encode("e", "/news/2015/02/30/x.md")])  # no such day
def test_event_cursor_refuses(after: str) -> None:
    with pytest.raises(UserError) as info:
        arguments.event_cursor(after)
    assert info.value.message.startswith("invalid after cursor: ")


def test_search_cursors() -> None:
    assert arguments.rank_cursor(cursors.encode("s", 0)) == 0
    assert arguments.rank_cursor(cursors.encode("s", 9)) == 9
    assert arguments.dated_cursor(cursors.encode("e", PATH)) == PATH
    with pytest.raises(UserError):
        arguments.rank_cursor(cursors.encode("s", "09"))


@pytest.mark.parametrize(("read", "given", "orders"), [
    (arguments.rank_cursor, cursors.encode("e", PATH), "RELEVANCE"),
    (arguments.dated_cursor, cursors.encode("s", 3), "NEWEST_FIRST or OLDEST_FIRST"),
])
def test_search_cursor_of_the_other_order_is_refused(read: Any, given: str, orders: str) -> None:
    with pytest.raises(UserError) as info:
        read(given)
    assert info.value.message == (
        f"invalid after cursor: it belongs to a search with another orderBy (this one needs {orders})")


def test_search_cursor_of_no_search_is_refused() -> None:
    with pytest.raises(UserError) as info:
        arguments.rank_cursor(cursors.encode("Event", 3))
    assert info.value.message == "invalid after cursor: 'RXZlbnQ6Mw' does not belong here"


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("dateFrom", dt.date(2015, 9, 7), "2015-09-07"),
    ("dateFrom", "2015-09-07", "2015-09-07"),
    ("dateTo", "2016-02-29", "2016-02-29"),
    ("dateTo", dt.date(2016, 12, 1), "2016-12-01"),
    ("contextsAny", ["Syria", "Turkey"], '["Syria", "Turkey"]'),
    ("contextsAll", ("Syria",), '["Syria"]'),
    ("contextsNone", ["Ünïcode \"quoted\""], json.dumps(["Ünïcode \"quoted\""])),
    ("contextsAny", ["x"] * MAX_FILTER_CONTEXTS, json.dumps(["x"] * MAX_FILTER_CONTEXTS)),
    ("category", "Sports", "Sports"),
    ("publisher", "BBC", "BBC"),  # kept as given
    ("domain", "bbc.co.uk", "bbc.co.uk"),
    ("domain", "WWW.BBC.co.uk", "bbc.co.uk"),
    ("domain", "www.www.example.org", "www.example.org"),  # one www. only
    ("domain", "wwwexample.org", "wwwexample.org"),
])
def test_filter_parameter(name: str, value: object, expected: object) -> None:
    assert arguments.filter_parameter(F[name], value) == expected


@pytest.mark.parametrize("name", list(F))
def test_a_null_filter_is_none(name: str) -> None:
    assert arguments.filter_parameter(F[name], None) is None


@pytest.mark.parametrize("name", [name for name, item in F.items() if item.kind is Kind.NAMES])
@pytest.mark.parametrize("value", [[], ()])
def test_an_empty_list_is_none(name: str, value: object) -> None:
    assert arguments.filter_parameter(F[name], value) is None


def test_the_context_filter_takes_a_row_id() -> None:
    assert arguments.filter_parameter(IN_CONTEXT, 3) == 3
    with pytest.raises(UserError):
        arguments.filter_parameter(IN_CONTEXT, True)
    with pytest.raises(UserError):
        arguments.filter_parameter(IN_CONTEXT, "3")


@pytest.mark.parametrize(("name", "value", "reason"), [
    # a date that does not exist: the field, then datetime's reason
    ("dateFrom", "2015-02-30", "dateFrom: day is out of range for month"),
    ("dateTo", "yesterday", "dateTo: Invalid isoformat string: 'yesterday'"),
    ("dateFrom", 20150907, "dateFrom: not a date"),
    ("contextsAny", "Syria", "contextsAny: not a list of strings"),
    ("contextsAll", ["Syria", 3], "contextsAll: not a list of strings"),
    ("category", 5, "category: not a string"),
    ("domain", ["bbc.com"], "domain: not a string"),
])
def test_filter_parameter_refuses(name: str, value: object, reason: str) -> None:
    with pytest.raises(UserError) as info:
        arguments.filter_parameter(F[name], value)
    assert info.value.message == f"invalid filter value: {reason}"
    assert not isinstance(info.value, LimitExceeded)


@pytest.mark.parametrize("name", ["contextsAny", "contextsAll", "contextsNone"])
@pytest.mark.parametrize("container", [list, tuple])
def test_too_many_contexts(name: str, container: type) -> None:
    with pytest.raises(LimitExceeded) as info:
        arguments.filter_parameter(F[name], container(["x"] * (MAX_FILTER_CONTEXTS + 1)))
    assert info.value.message == f"at most {MAX_FILTER_CONTEXTS} contexts in a filter"


def test_criteria_keeps_the_filters_that_narrow() -> None:
    found = arguments.criteria({
        F["dateFrom"]: dt.date(2015, 9, 7), F["dateTo"]: None, F["contextsAny"]: [],
        F["domain"]: "www.BBC.com", F["category"]: "Sports",
    })
    assert found == Criteria(((F["dateFrom"], "2015-09-07"), (F["domain"], "bbc.com"), (F["category"], "Sports")))
    assert not found.empty


def test_criteria_of_nothing_is_empty() -> None:
    nothing: list[dict[Filter, object]] = [{}, {F["category"]: None, F["contextsAll"]: []}]
    for values in nothing:
        found = arguments.criteria(values)
        assert found == Criteria()
        assert found.empty
        assert found.where() == ("1", [])


def test_criteria_refuses_a_bad_value() -> None:
    with pytest.raises(UserError) as info:
        arguments.criteria({F["category"]: "Sports", F["dateTo"]: "2015-13-01"})
    assert info.value.message == "invalid filter value: dateTo: month must be in 1..12"


@pytest.mark.parametrize(("values", "sql", "params"), [
    ({"dateFrom": "2015-09-07"}, "e.date >= ?", ["2015-09-07"]),
    ({"dateFrom": "2015-09-07", "dateTo": dt.date(2015, 9, 30)}, "e.date >= ? AND e.date <= ?",
     ["2015-09-07", "2015-09-30"]),
    ({"category": "Sports"}, "e.category = ?", ["Sports"]),
    ({"domain": "www.bbc.com"}, "e.id IN (SELECT s.event_id FROM sources s WHERE s.domain = ?)", ["bbc.com"]),
    ({"publisher": "BBC"}, "e.id IN (SELECT s.event_id FROM sources s WHERE s.name = ?)", ["BBC"]),
    ({"contextsAny": ["Syria"]},
     "e.id IN (SELECT ec.event_id FROM contexts c CROSS JOIN event_contexts ec ON ec.context_id = c.id"
     " WHERE c.name IN (SELECT value FROM json_each(?)))", ['["Syria"]']),
    ({"contextsNone": ["Syria"]},
     "e.id NOT IN (SELECT ec.event_id FROM contexts c CROSS JOIN event_contexts ec ON ec.context_id = c.id"
     " WHERE c.name IN (SELECT value FROM json_each(?)))", ['["Syria"]']),
    # the value goes in twice: once per {p}, in order
    ({"contextsAll": ["Syria", "Turkey"]},
     "e.id IN (SELECT ec.event_id FROM contexts c CROSS JOIN event_contexts ec ON ec.context_id = c.id"
     " WHERE c.name IN (SELECT value FROM json_each(?)) GROUP BY ec.event_id"
     " HAVING count(*) = (SELECT count(DISTINCT value) FROM json_each(?)))",
     ['["Syria", "Turkey"]', '["Syria", "Turkey"]']),
])
def test_criteria_where(values: dict[str, object], sql: str, params: list[object]) -> None:
    assert arguments.criteria({F[name]: value for name, value in values.items()}).where() == (sql, params)


def test_parameters_follow_their_placeholders_around_a_repeated_one() -> None:
    where, params = arguments.criteria({
        F["dateFrom"]: "2015-09-01", F["contextsAll"]: ["Syria"], F["domain"]: "WWW.bbc.com",
    }).where()
    assert where.count("?") == 4
    assert where.startswith("e.date >= ? AND e.id IN (")
    assert where.endswith(" AND e.id IN (SELECT s.event_id FROM sources s WHERE s.domain = ?)")
    assert params == ["2015-09-01", '["Syria"]', '["Syria"]', "bbc.com"]


def test_a_nul_in_a_search_expression_is_refused_and_separates_plain_words() -> None:
    with pytest.raises(UserError) as info:
        arguments.search_match("refugee\x00 OR crisis", True)
    assert info.value.message == "search expression contains a NUL character"
    assert arguments.search_match("refugee\x00crisis", False) == '"refugee" "crisis"*'
