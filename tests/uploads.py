"""A workbook upload as the console sends it, for the end-to-end tests of every import."""

from __future__ import annotations

from typing import Any


def upload(client: Any, path: str, data: bytes, *, dry_run: bool = False) -> dict[str, Any]:
    """POST ``data`` as the multipart file of an import (``?dry_run=``); its 200 report."""
    response = client.post(
        path,
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("book.xlsx", data, "application/octet-stream")},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
