"""What the tests of the key subjects' personal data share: unique valid ID numbers, a grid to
register into, raw stored documents, and subjects as stored before ADR 13."""

from __future__ import annotations

import hashlib
import os
import random
from datetime import date, timedelta
from typing import Any

from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.domain.subjects import Subject
from services.grid_registry.repository.subjects import SubjectRepository
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases import subjects as subject_cases
from services.grid_registry.use_cases.context import RegistryContext

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
NOTES = "社区矫正期间，每周走访"


def resident_id() -> str:
    """A valid 18-character resident ID number that no other test (or the demo) uses."""
    born = date(1950, 1, 1) + timedelta(days=random.randrange(18_000))
    body = f"{random.randrange(110000, 660000)}{born:%Y%m%d}{random.randrange(1000):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def unique_phone() -> str:
    return f"139{random.randrange(10**8):08d}"


def box(west: float) -> dict[str, Any]:
    east = west + 0.01
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_grid(ctx: RegistryContext, code: str = "G1", west: float = 120.00) -> str:
    """A division with one grid in the context's tenant; the grid's id."""
    division = division_cases.create_division(
        ctx, code=f"D{code}", name="和平村", kind="village"
    ).division_id
    return grid_cases.create_grid(
        ctx, division_id=division, code=code, name=code, type="village", boundary=box(west)
    ).grid_id


def centre(tenant_id: str) -> RegistryContext:
    """A context of the tenant's centre, who sees and keeps every subject."""
    return RegistryContext(tenant_id=tenant_id, actor="u-1", roles=frozenset({"center-staff"}))


def register_person(
    ctx: RegistryContext,
    grid_id: str,
    id_number: str | None = None,
    phone: str | None = None,
    **extra: Any,
) -> Subject:
    """A key person registered through the use case; a fresh ID number and phone unless given."""
    data = {
        "name": "李四",
        "id_number": id_number or resident_id(),
        "phone": phone or unique_phone(),
        "notes": NOTES,
        "address": "幸福路1号",
        **extra,
    }
    return subject_cases.register_subject(ctx, category="key_person", grid_id=grid_id, data=data)


def raw_subject(tenant_id: str, subject_id: str) -> dict[str, Any]:
    """The subject exactly as the store holds it."""
    found = SubjectDocument._get_collection().find_one({"_id": subject_id, "tenant_id": tenant_id})
    assert found is not None
    return dict(found)


def store_as_before_encryption(tenant_id: str, subject_id: str) -> dict[str, Any]:
    """Rewrite a stored subject the way the code before ADR 13 stored it: plain ID number,
    phone and notes, the unsalted SHA-256 in ``dedup_key`` and ``id_number_sha256``."""
    subject = SubjectRepository(tenant_id).find_subject(subject_id)
    assert subject is not None
    raw = raw_subject(tenant_id, subject_id)
    digest = hashlib.sha256(subject.id_number.encode()).hexdigest() if subject.id_number else None
    raw.update(
        id_number=subject.id_number,
        phone=subject.phone,
        notes=subject.notes,
        contact_phone=subject.contact_phone,
        id_number_sha256=digest,
        dedup_key=digest or f"subject:{subject_id}",
    )
    raw = {name: value for name, value in raw.items() if value is not None}
    collection = SubjectDocument._get_collection()
    # Inserts need no write lease: delete and insert instead of updating behind the repository.
    collection.delete_one({"_id": subject_id, "tenant_id": tenant_id})
    collection.insert_one(raw)
    return raw


def legacy_subject(tenant_id: str, west: float) -> tuple[str, str, str]:
    """A key person of ``tenant_id``, in a grid of its own, stored as before ADR 13: its
    subject id, ID number and phone."""
    ctx = centre(tenant_id)
    id_number, phone = resident_id(), unique_phone()
    subject = register_person(ctx, make_grid(ctx, west=west), id_number, phone)
    store_as_before_encryption(tenant_id, subject.subject_id)
    return subject.subject_id, id_number, phone
