"""The five seed schemes as templates a tenant starts from (one YAML file per seed document).

``load_template("seed_002_township_grid_worker")`` reads and validates one; ``names()`` lists
them. Readings of ambiguous passages are ``READING:`` comments in each file.
"""

from __future__ import annotations

from pathlib import Path

from services.scoring.domain.scheme import Scheme, load_scheme

DIRECTORY = Path(__file__).resolve().parent


def names() -> list[str]:
    """Template names (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in DIRECTORY.glob("*.yaml"))


def text(name: str) -> str:
    """The YAML text of template ``name``."""
    return (DIRECTORY / f"{name.removesuffix('.yaml')}.yaml").read_text(encoding="utf-8")


def load_template(name: str) -> Scheme:
    """Template ``name`` as a validated :class:`Scheme`."""
    return load_scheme(text(name))
