"""identity may not import scoring: its copy of the template ids must match the files."""

import re
from pathlib import Path

from shared.events.contracts.identity import SCHEME_TEMPLATE_IDS

TEMPLATES = Path(__file__).resolve().parents[5] / "services" / "scoring" / "templates"
ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)


def test_the_allowed_ids_are_exactly_the_template_files_ids():
    files = sorted(TEMPLATES.glob("*.yaml"))
    assert files, f"no templates in {TEMPLATES}"
    ids = set()
    for path in files:
        found = ID_LINE.search(path.read_text(encoding="utf-8"))
        assert found, f"{path.name} has no id line"
        ids.add(found.group(1))
    assert set(SCHEME_TEMPLATE_IDS) == ids
    assert len(SCHEME_TEMPLATE_IDS) == len(ids)
