"""The district repository: platform data, not tenant-bound (see `DistrictDocument`)."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from services.identity.documents.districts import DistrictDocument
from services.identity.domain.districts import District
from shared.errors import Conflict
from shared.mongo import Page


class DistrictRepository:
    """Districts of the platform; only platform-level use cases construct it."""

    def add_district(self, district: District) -> District:
        """Store a new district; `Conflict` when the id is taken."""
        doc = DistrictDocument(
            district_id=district.district_id,
            name=district.name,
            created_at=district.created_at,
            created_by=district.created_by,
        )
        doc.validate()
        try:
            DistrictDocument._get_collection().insert_one(doc.to_mongo())
        except DuplicateKeyError as exc:
            raise Conflict(f"district {district.district_id} exists") from exc
        return district

    def find_district(self, district_id: str) -> District | None:
        doc = DistrictDocument.objects(district_id=district_id).first()
        return None if doc is None else _to_domain(doc)

    def list_districts(self, *, offset: int, limit: int) -> Page[District]:
        query = DistrictDocument.objects.order_by("district_id")
        total = query.count()
        items = [_to_domain(doc) for doc in query.skip(offset).limit(limit)]
        return Page(items=items, total=total, offset=offset, limit=limit)


def _to_domain(doc: DistrictDocument) -> District:
    return District(
        district_id=doc.district_id,
        name=doc.name,
        created_at=doc.created_at,
        created_by=doc.created_by,
    )
