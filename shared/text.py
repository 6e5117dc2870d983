"""What text the platform accepts: one rule for every way text comes in (JSON bodies, query
strings, forms and headers through `shared.http.BaseSchema`; workbook cells through
`shared.workbooks`). Framework-free."""

from __future__ import annotations

import re
import unicodedata

# Text that cannot be stored (NUL: PostgreSQL; lone surrogates: UTF-8) or shown (the other
# controls, Unicode category Cc, and noncharacters). Tab, LF and CR only in multi-line fields.
_LINE_BREAKS = r"\t\n\r"
_ALWAYS_UNSAFE = (
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # controls but tab, LF, CR
    r"\ud800-\udfff"  # surrogates: in a Python str from JSON, always lone ones
    r"\ufdd0-\ufdef\ufffe\uffff"
    + "".join(rf"\U{plane:04X}FFFE\U{plane:04X}FFFF" for plane in range(1, 17))
)
_UNSAFE_IN_LINE = re.compile(f"[{_LINE_BREAKS}{_ALWAYS_UNSAFE}]")
_UNSAFE_IN_TEXT = re.compile(f"[{_ALWAYS_UNSAFE}]")


def unsafe_text_reason(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be accepted as input, or ``None`` when it can.

    Refused: lone UTF-16 surrogates, control characters (C0, DEL, C1) and noncharacters;
    ``multiline`` text may hold tab, line feed and carriage return.
    """
    found = (_UNSAFE_IN_TEXT if multiline else _UNSAFE_IN_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    kind = {"Cs": "lone surrogates", "Cc": "control characters"}.get(
        unicodedata.category(char), "noncharacters"
    )
    if multiline and kind == "control characters":
        kind += " other than tab and line breaks"
    return f"must not contain {kind} (found U+{ord(char):04X})"


def escape_unsafe_text(text: str) -> str:
    """``text`` with every character ``unsafe_text_reason`` refuses written as an escape."""
    return _UNSAFE_IN_LINE.sub(lambda found: ascii(found.group())[1:-1], text)
