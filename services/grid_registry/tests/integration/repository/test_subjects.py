"""Key subjects on the real FerretDB: personal data stored encrypted, bound to where it is,
duplicates found by keyed tags, plain values of before read as they are, keys rotated."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.repository.subjects import SubjectRepository, stored_tenants
from services.grid_registry.tests.integration.personal_data import (
    centre,
    make_grid,
    raw_subject,
    register_person,
    resident_id,
    store_as_before_encryption,
    unique_phone,
)
from services.grid_registry.use_cases import subjects as use_cases
from shared.crypto import (
    KEY_BYTES,
    DecryptionFailed,
    FieldCrypto,
    Keyring,
    UnknownKey,
    configure_field_crypto,
)
from shared.errors import Conflict

pytestmark = pytest.mark.integration

A, B = centre("tenant-a"), centre("tenant-b")


def rotated(current: FieldCrypto, key_id: str, hmac_key_id: str) -> FieldCrypto:
    """``current``'s keys with a new key put first in each keyring."""
    cipher, hasher = current.cipher.keyring, current.hasher.keyring
    return FieldCrypto.from_keyrings(
        Keyring([(key_id, os.urandom(KEY_BYTES))] + [(i, cipher.key(i)) for i in cipher.ids]),
        Keyring([(hmac_key_id, os.urandom(KEY_BYTES))] + [(i, hasher.key(i)) for i in hasher.ids]),
    )


def test_the_store_holds_no_plain_id_number_phone_or_notes(fresh_db, field_crypto):
    grid = make_grid(A)
    id_number, phone = resident_id(), unique_phone()

    subject = register_person(A, grid, id_number.lower(), phone, name="王五")

    raw = raw_subject("tenant-a", subject.subject_id)
    stored = repr(raw)
    for secret in (
        id_number,
        id_number.lower(),
        phone,
        "社区矫正",
        hashlib.sha256(id_number.encode()).hexdigest(),
    ):
        assert secret not in stored
    for field in ("id_number", "phone", "notes"):
        assert raw[field].startswith("v1:t1:"), field
    assert "id_number_sha256" not in raw
    assert raw["dedup_key"].startswith("h1:")
    assert raw["name"] == "王五"  # names stay plain: lists are ordered by them
    again = use_cases.get_subject(A, subject_id=subject.subject_id)
    assert (again.id_number, again.phone, again.notes) == (
        id_number,
        phone,
        "社区矫正期间，每周走访",
    )
    listed = use_cases.list_subjects(A, offset=0, limit=10).items
    assert [(s.id_number, s.phone) for s in listed] == [(id_number, phone)]


def test_a_place_contact_phone_is_stored_encrypted_too(fresh_db, field_crypto):
    grid = make_grid(A)
    phone = unique_phone()
    place = use_cases.register_subject(
        A,
        category="hazard_place",
        grid_id=grid,
        data={"name": "加油站", "contact_person": "赵六", "contact_phone": phone},
    )

    raw = raw_subject("tenant-a", place.subject_id)
    assert phone not in repr(raw)
    assert raw["contact_phone"].startswith("v1:")
    assert raw["dedup_key"] == f"subject:{place.subject_id}"
    assert use_cases.get_subject(A, subject_id=place.subject_id).contact_phone == phone


def test_a_value_copied_into_another_subject_or_field_does_not_decrypt(fresh_db, field_crypto):
    grid = make_grid(A)
    first = register_person(A, grid, resident_id(), unique_phone())
    second = register_person(A, grid, resident_id(), unique_phone())
    stolen = raw_subject("tenant-a", first.subject_id)["id_number"]
    collection = SubjectDocument._get_collection()

    for target, field in ((second.subject_id, "id_number"), (first.subject_id, "phone")):
        raw = raw_subject("tenant-a", target)
        raw[field] = stolen
        collection.delete_one({"_id": target, "tenant_id": "tenant-a"})
        collection.insert_one(raw)
        with pytest.raises(DecryptionFailed):
            SubjectRepository("tenant-a").find_subject(target)


def test_the_same_number_twice_in_a_tenant_conflicts_in_two_tenants_it_does_not(
    fresh_db, field_crypto
):
    grid_a, grid_b = make_grid(A), make_grid(B, west=120.5)
    id_number = resident_id()
    first = register_person(A, grid_a, id_number, unique_phone())

    with pytest.raises(Conflict, match="already registered"):
        register_person(A, grid_a, id_number.lower(), unique_phone())
    other = register_person(B, grid_b, id_number, unique_phone())
    assert other.id_number == first.id_number
    tags = {
        raw_subject(t, s.subject_id)["dedup_key"]
        for t, s in (("tenant-a", first), ("tenant-b", other))
    }
    assert len(tags) == 2  # one number, a tag per tenant
    # Changing another subject's number to a registered one conflicts as well.
    second = register_person(A, grid_a, resident_id(), unique_phone())
    with pytest.raises(Conflict, match="already registered"):
        use_cases.update_subject(A, subject_id=second.subject_id, changes={"id_number": id_number})


def test_plain_values_of_before_are_read_and_still_count_as_duplicates(fresh_db, field_crypto):
    grid = make_grid(A)
    id_number, phone = resident_id(), unique_phone()
    subject = register_person(A, grid, id_number, phone)
    store_as_before_encryption("tenant-a", subject.subject_id)

    found = use_cases.get_subject(A, subject_id=subject.subject_id)
    assert (found.id_number, found.phone) == (id_number, phone)
    with pytest.raises(Conflict, match="already registered"):
        register_person(A, grid, id_number, unique_phone())


def test_after_a_rotation_old_values_open_new_ones_take_the_new_key_and_duplicates_hold(
    fresh_db, field_crypto
):
    grid = make_grid(A)
    id_number, phone = resident_id(), unique_phone()
    before = register_person(A, grid, id_number, phone)
    configure_field_crypto(rotated(field_crypto, "t2", "h2"))

    assert use_cases.get_subject(A, subject_id=before.subject_id).id_number == id_number
    with pytest.raises(Conflict, match="already registered"):
        register_person(A, grid, id_number, unique_phone())  # found by its tag under h1
    later = register_person(A, grid, resident_id(), unique_phone())
    raw = raw_subject("tenant-a", later.subject_id)
    assert raw["id_number"].startswith("v1:t2:")
    assert raw["dedup_key"].startswith("h2:")


def test_a_value_under_a_key_no_longer_held_is_an_error_naming_the_key(fresh_db, field_crypto):
    grid = make_grid(A)
    subject = register_person(A, grid, resident_id(), unique_phone())
    configure_field_crypto(
        FieldCrypto.from_keyrings(
            Keyring([("t9", os.urandom(KEY_BYTES))]), Keyring([("h9", os.urandom(KEY_BYTES))])
        )
    )

    with pytest.raises(UnknownKey, match="'t1' is not in the keyring"):
        use_cases.get_subject(A, subject_id=subject.subject_id)


def test_the_tenants_holding_subjects_are_listed_across_tenants(fresh_db, field_crypto):
    register_person(A, make_grid(A), resident_id(), unique_phone())
    register_person(B, make_grid(B, west=120.5), resident_id(), unique_phone())

    assert stored_tenants() == ["tenant-a", "tenant-b"]


def test_the_stored_ciphertext_is_not_the_base64_of_the_value(fresh_db, field_crypto):
    # A guard against "encoding" standing in for encryption.
    subject = register_person(A, make_grid(A), resident_id(), unique_phone())
    payload = raw_subject("tenant-a", subject.subject_id)["id_number"].rsplit(":", 1)[1]
    decoded = base64.urlsafe_b64decode(payload + "==")
    assert subject.id_number is not None
    assert subject.id_number.encode() not in decoded
