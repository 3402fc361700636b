"""Bytes -> text for corpus files: BOM, CRLF, non-UTF-8 and binary handled in one place."""

from __future__ import annotations

from .errors import CorpusError


def decode(file: str, data: bytes) -> tuple[str, str | None]:
    """Return (text with ``\\n`` line ends, warning or None); raise CorpusError if unusable.

    Non-UTF-8 bytes are not dropped: the file is read as Windows-1252 (what such files nearly
    always are), and the warning names the line of the first bad byte.
    """
    if not data.strip():
        raise CorpusError(file, "empty file")
    nul = data.find(b"\x00")
    if nul != -1:
        raise CorpusError(file, "binary file (contains NUL bytes)", line=data.count(b"\n", 0, nul) + 1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    warning = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data.decode("cp1252", errors="replace")
        warning = f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); read as Windows-1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warning
