"""Hostile workbooks for tests of every upload route: zip bombs, built in about a second
without ever holding the inflated XML in memory, and the check that every import route of an
app refuses one."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
BLANK_ROW = b"<row/>"


def xlsx(*rows: Sequence[object]) -> bytes:
    """An ordinary one-sheet workbook holding ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_bomb(
    unpacked: int, *, row: bytes = BLANK_ROW, header: Sequence[object] = ("编码", "名称")
) -> bytes:
    """A valid .xlsx whose first sheet inflates to about ``unpacked`` bytes: ``header``, then
    ``row`` repeated (blank rows by default, which a reader skips without counting them as
    data). Its dimension element is dropped so a reader cannot stop early on it. The default
    row makes 400 MiB from about 600 KB, under every upload cap."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(header)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != SHEET:
                bomb.writestr(info.filename, data)
                continue
            head, _, tail = re.sub(rb"<dimension[^>]*>", b"", data).partition(b"</sheetData>")
            block = row * (1_048_576 // len(row))
            # Plain zip headers up to 2 GiB, so tests can rewrite the sizes they declare.
            with bomb.open(SHEET, "w", force_zip64=unpacked >= 2**31) as sheet:
                sheet.write(head)
                for _ in range(max(1, unpacked // len(block))):
                    sheet.write(block)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


def routes(app: Any, suffix: str) -> list[str]:
    """The Flask app's URL rules ending with ``suffix`` (``/export``, ``/import``): a route
    added later is covered by the tests that loop over them."""
    return sorted({rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(suffix)})


def assert_every_import_refuses(client: Any, bomb: bytes) -> None:
    """POST ``bomb`` as the ``file`` part to every ``/import`` route of ``client.app`` (a
    dry run, as the caller): each answers 413 or 422 problem+json naming ``file``. Prints how
    long each took (``pytest -s``)."""
    imports = routes(client.app, "/import")
    assert imports, "no import route found in the URL map"
    for route in imports:
        started = time.perf_counter()
        response = client.post(
            f"{route}?dry_run=true",
            data={"file": (io.BytesIO(bomb), "bomb.xlsx")},
            content_type="multipart/form-data",
        )
        elapsed = time.perf_counter() - started
        print(f"\n{route}: {len(bomb):,}-byte bomb, {response.status_code} in {elapsed:.3f} s")
        assert response.status_code in (413, 422), (route, response.get_json())
        assert response.mimetype == "application/problem+json", route
        assert [error["field"] for error in response.get_json()["errors"]] == ["file"], route


__all__ = ["BLANK_ROW", "SHEET", "assert_every_import_refuses", "routes", "sheet_bomb", "xlsx"]
