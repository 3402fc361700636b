"""A document's *skeleton*: its text with the operation's name and every string cut out, found by
one regular-expression scan instead of a parse.

Clients that write values into the query (``event(path: "/news/...")``) or name each request's
operation anew (``query Q2_17``) send a new text every time, and graphql-core's parser, written
in Python, costs more than the SQL that answers. Two texts with one skeleton are the same
tokens but for those cut out, so once one of them has been parsed, the other's outline
(``outline.Outline``: its operation's name and its shape) follows from the scan:

- the scan knows GraphQL's lexical grammar only as far as it must to find strings and comments
  (``"..."``, ``\"\"\"...\"\"\"``, ``# ...``) and a leading ``query Name``; everything else is
  compared as text, and is the text of a document graphql-core parsed;
- a skeleton is learned from a parsed document only when the scan's strings are graphql-core's
  tokens exactly (``_tokens_agree``), and the strings the shape cuts out (``shape.string_arguments``)
  are among them; the other strings (a variable's default, a directive's argument) must then
  come back unchanged, since they are part of the shape;
- a new text's cut strings are read by graphql-core's own lexer, one token each: what a string
  means (escapes, block-string indentation) and whether it is valid is graphql-core's word, and
  a string that is not exactly one token sends the request to the parser.

Anything unexpected (an unterminated string, a document with two operations, fragments before
the operation) simply misses and the document is parsed as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import GraphQLError, Source, TokenKind
from graphql.language.lexer import Lexer

from ..caching import LruCache, digest
from ..limits import OUTLINE_BYTES, OUTLINE_CACHE
from .shape import LITERAL, Shape

#: What the scan tells apart: a run of other text, a comment, a block string, a string. A
#: character the alternatives cannot start (a string's quote left open) ends the scan.
_PIECES = re.compile(r'[^"#]++|#[^\n\r]*+|(?P<block>"""(?:\\"""|[^"]|"(?!""))*+""")|(?P<string>"(?:[^"\\\n\r]|\\.)*+")')
#: An operation's name when the document starts with it (after ignored characters and comments).
_LEADING_NAME = re.compile(r"(?:[\s,\ufeff]|#[^\n\r]*+)*+(?:query|mutation|subscription)(?:[\s,\ufeff]|#[^\n\r]*+)++"
                           r"([_A-Za-z][_0-9A-Za-z]*+)")
_CUT = LITERAL + "'"  # where a string was, in a skeleton (never in a document: a raw NUL)


@dataclass(frozen=True)
class Scan:
    """A text's skeleton and what was cut out of it: the operation's name and each string's text."""

    skeleton: str
    name: str | None
    name_span: tuple[int, int] | None
    strings: tuple[tuple[int, int], ...]  # (start, end) of each string, in text order


def scan(text: str) -> Scan | None:
    """The text's skeleton, or None where the scan cannot tell (the parser then decides)."""
    leading = _LEADING_NAME.match(text)
    name_span = leading.span(1) if leading else None
    parts: list[str] = []
    strings: list[tuple[int, int]] = []
    position = 0
    if name_span is not None:
        parts.append(text[:name_span[0]])
        parts.append(LITERAL)
        position = name_span[1]
    for found in _PIECES.finditer(text, position):
        if found.start() != position:
            return None  # an opening quote with no end
        if found.lastgroup is None:
            parts.append(found.group())
        else:
            strings.append(found.span())
            parts.append(_CUT)
        position = found.end()
    if position != len(text):
        return None
    return Scan("".join(parts), leading.group(1) if leading else None, name_span, tuple(strings))


@dataclass(frozen=True)
class Skeleton:
    """What a learned skeleton gives a text that has it.

    ``cut``: which of the scan's strings are the shape's literals, in the shape's order;
    ``kept``: the other strings, by index, with the text each must have; ``pattern``: which cut
    strings are equal (the index of each one's first equal), part of the shape's key.
    """

    shape_key: str
    cut: tuple[int, ...]
    kept: tuple[tuple[int, str], ...]
    pattern: tuple[int, ...]

    def shape(self, text: str, found: Scan) -> Shape | None:
        """The shape of ``text`` (whose scan is ``found``), or None where the parser must decide."""
        for index, raw in self.kept:
            start, end = found.strings[index]
            if text[start:end] != raw:
                return None
        values: list[str] = []
        first_of: dict[str, int] = {}
        for place, index in enumerate(self.cut):
            start, end = found.strings[index]
            value = _string_value(text[start:end])
            if value is None or first_of.setdefault(value, place) != self.pattern[place]:
                return None
            values.append(value)
        return Shape(self.shape_key, tuple(values))


#: A string token graphql-core reads as its text between the quotes: no escape, no line break,
#: no surrogate (its lexer's ``read_string`` appends such a run whole).
_VERBATIM = re.compile(r'"[^"\\\r\n\ud800-\udfff]*"')


def _string_value(raw: str) -> str | None:
    """What graphql-core reads a string token as; None unless ``raw`` is exactly one valid string.

    A plain string (most are: paths, dates, words) is its text between the quotes, as
    graphql-core's lexer would read it, without the lexer's walk of it one character at a time.
    """
    if _VERBATIM.fullmatch(raw):
        return raw[1:-1]
    try:
        token = Lexer(Source(raw)).advance()
    except GraphQLError:
        return None
    if token.kind not in (TokenKind.STRING, TokenKind.BLOCK_STRING) or token.end != len(raw):
        return None
    return token.value


def learn(text: str, found: Scan, name_start: int | None, literal_starts: list[int], shape: Shape) -> Skeleton | None:
    """The skeleton of a parsed ``text`` of one operation: its name's start (None if anonymous)
    and the starts of the strings its shape cut, in the shape's order. None where the scan and
    graphql-core disagree."""
    if (found.name_span[0] if found.name_span else None) != name_start or not _tokens_agree(text, found):
        return None
    index_of = {start: index for index, (start, _) in enumerate(found.strings)}
    if any(start not in index_of for start in literal_starts):
        return None
    cut = tuple(index_of[start] for start in literal_starts)
    kept = tuple((index, text[start:end]) for index, (start, end) in enumerate(found.strings) if index not in cut)
    first_of: dict[str, int] = {}
    pattern = tuple(first_of.setdefault(value, place) for place, value in enumerate(shape.literals))
    return Skeleton(shape.key, cut, kept, pattern)


def _tokens_agree(text: str, found: Scan) -> bool:
    """Whether graphql-core's lexer finds exactly the scan's strings (and its comments hide none)."""
    lexer = Lexer(Source(text))
    strings = []
    try:
        token = lexer.advance()
        while token.kind is not TokenKind.EOF:
            if token.kind in (TokenKind.STRING, TokenKind.BLOCK_STRING):
                strings.append((token.start, token.end))
            token = lexer.advance()
    except GraphQLError:
        return False
    return tuple(strings) == found.strings


def _size(found: Skeleton) -> int:
    return 64 + len(found.shape_key) + sum(len(raw) for _, raw in found.kept)


#: Learned skeletons by the digest of the skeleton's text, bounded like the outlines.
SKELETONS: LruCache[bytes, Skeleton] = LruCache(OUTLINE_CACHE, OUTLINE_BYTES, size=_size)


def key(found: Scan) -> bytes:
    return digest(found.skeleton.encode())
