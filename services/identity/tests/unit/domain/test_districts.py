from datetime import UTC, datetime

import pytest

from services.identity.domain.districts import register_district
from shared.errors import InvalidInput

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_district_keeps_its_id_and_name():
    district = register_district(district_id=" demo-district ", name="示范区", actor="p", now=NOW)
    assert (district.district_id, district.name, district.created_by) == (
        "demo-district",
        "示范区",
        "p",
    )


def test_bad_id_and_name_are_both_named():
    with pytest.raises(InvalidInput) as caught:
        register_district(district_id="A B", name="", actor="p", now=NOW)
    assert {p.field for p in caught.value.problems} == {"district_id", "name"}
