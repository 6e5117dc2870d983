"""The re-encryption pass: plain values of before and values under an older key move to the
current keys; a second run does nothing; no event is recorded; duplicates are left, named."""

from __future__ import annotations

import os

import pytest

from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.repository.subjects import SubjectRepository
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
from shared.crypto import KEY_BYTES, FieldBinding, FieldCrypto, Keyring, configure_field_crypto
from shared.mongo import ConcurrentUpdate

pytestmark = pytest.mark.integration

A = centre("tenant-a")


def register(grid_id: str, id_number: str | None = None, phone: str | None = None):
    return register_person(A, grid_id, id_number, phone)


def test_the_pass_encrypts_plain_values_of_before_once_and_records_no_event(fresh_db, field_crypto):
    grid = make_grid(A)
    id_number, phone = resident_id(), unique_phone()
    legacy = register(grid, id_number, phone)
    current = register(grid)
    before = store_as_before_encryption("tenant-a", legacy.subject_id)
    assert before["id_number"] == id_number  # what the pass starts from
    untouched = raw_subject("tenant-a", current.subject_id)

    done = use_cases.reencrypt_subjects(A)

    assert (done.rewritten, done.duplicates) == (1, ())
    after = raw_subject("tenant-a", legacy.subject_id)
    for secret in (id_number, phone, before["id_number_sha256"], "社区矫正"):
        assert secret not in repr(after)
    assert "id_number_sha256" not in after
    assert after["dedup_key"].startswith("h1:")
    assert len(after["outbox"]) == len(before["outbox"])  # nothing about the subject changed
    assert raw_subject("tenant-a", current.subject_id) == untouched
    found = use_cases.get_subject(A, subject_id=legacy.subject_id)
    assert (found.id_number, found.phone) == (id_number, phone)
    again = use_cases.reencrypt_subjects(A)
    assert (again.rewritten, again.duplicates) == (0, ())


def test_after_a_rotation_the_pass_leaves_nothing_the_old_keys_are_needed_for(
    fresh_db, field_crypto
):
    grid = make_grid(A)
    id_number = resident_id()
    subject = register(grid, id_number)
    new_key, new_hmac_key = os.urandom(KEY_BYTES), os.urandom(KEY_BYTES)
    old_keys, old_hmac_keys = field_crypto.cipher.keyring, field_crypto.hasher.keyring
    configure_field_crypto(
        FieldCrypto.from_keyrings(
            Keyring([("t2", new_key), ("t1", old_keys.key("t1"))]),
            Keyring([("h2", new_hmac_key), ("h1", old_hmac_keys.key("h1"))]),
        )
    )

    assert use_cases.reencrypt_subjects(A).rewritten == 1
    raw = raw_subject("tenant-a", subject.subject_id)
    assert [raw[f][:6] for f in ("id_number", "phone", "notes")] == ["v1:t2:"] * 3
    assert raw["dedup_key"].startswith("h2:")
    # The old keys can go now.
    configure_field_crypto(
        FieldCrypto.from_keyrings(Keyring([("t2", new_key)]), Keyring([("h2", new_hmac_key)]))
    )
    assert use_cases.get_subject(A, subject_id=subject.subject_id).id_number == id_number
    assert use_cases.reencrypt_subjects(A).rewritten == 0


def test_a_new_hmac_key_alone_moves_the_tags(fresh_db, field_crypto):
    grid = make_grid(A)
    id_number = resident_id()
    subject = register(grid, id_number)
    ciphertext = raw_subject("tenant-a", subject.subject_id)["id_number"]
    old_hmac_keys = field_crypto.hasher.keyring
    configure_field_crypto(
        FieldCrypto.from_keyrings(
            field_crypto.cipher.keyring,
            Keyring([("h2", os.urandom(KEY_BYTES)), ("h1", old_hmac_keys.key("h1"))]),
        )
    )

    assert use_cases.reencrypt_subjects(A).rewritten == 1
    raw = raw_subject("tenant-a", subject.subject_id)
    assert raw["dedup_key"].startswith("h2:")
    assert raw["id_number"] != ciphertext  # rewritten whole, under a fresh nonce
    assert use_cases.reencrypt_subjects(A).rewritten == 0


def test_a_number_registered_twice_before_the_pass_is_left_and_named(fresh_db, field_crypto):
    grid = make_grid(A)
    id_number = resident_id()
    legacy = register(grid, id_number)
    store_as_before_encryption("tenant-a", legacy.subject_id)
    # A twin that got past every check (two registrations racing the pass's first run).
    raw = raw_subject("tenant-a", legacy.subject_id)
    twin = register(grid)
    twin_raw = raw_subject("tenant-a", twin.subject_id)
    twin_raw["id_number"] = field_crypto.cipher.encrypt(
        id_number, FieldBinding("tenant-a", "subjects", twin.subject_id, "id_number")
    )
    twin_raw["dedup_key"] = field_crypto.hasher.tag(
        id_number, tenant_id="tenant-a", purpose="subjects.id_number"
    )
    collection = SubjectDocument._get_collection()
    collection.delete_one({"_id": twin.subject_id, "tenant_id": "tenant-a"})
    collection.insert_one(twin_raw)
    assert use_cases.get_subject(A, subject_id=twin.subject_id).id_number == id_number

    done = use_cases.reencrypt_subjects(A)

    assert done.duplicates == (legacy.subject_id,)
    assert raw_subject("tenant-a", legacy.subject_id) == raw  # left as it was


def test_a_subject_saved_meanwhile_is_read_again(fresh_db, field_crypto, monkeypatch):
    grid = make_grid(A)
    subject = register(grid)
    store_as_before_encryption("tenant-a", subject.subject_id)
    real = SubjectRepository.reencrypt_subject
    calls = []

    def first_loses_a_race(self, subject_id):
        calls.append(subject_id)
        if len(calls) == 1:
            raise ConcurrentUpdate("changed since read")
        return real(self, subject_id)

    monkeypatch.setattr(SubjectRepository, "reencrypt_subject", first_loses_a_race)

    assert use_cases.reencrypt_subjects(A).rewritten == 1
    assert calls == [subject.subject_id, subject.subject_id]
