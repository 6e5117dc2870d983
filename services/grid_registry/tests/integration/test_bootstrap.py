"""The worker's start: every tenant's stale personal data moved to the current keys, counts
logged (never a value), one tenant's failure no reason to stop the others or the worker."""

from __future__ import annotations

import logging

import pytest

from services.grid_registry import bootstrap
from services.grid_registry.repository.subjects import SubjectRepository
from services.grid_registry.tests.integration.personal_data import legacy_subject
from shared.crypto import FieldBinding

pytestmark = pytest.mark.integration


def test_the_start_pass_covers_every_tenant_and_logs_counts_only(fresh_db, field_crypto, caplog):
    stored = [legacy_subject("tenant-a", 120.0), legacy_subject("tenant-b", 120.5)]
    # INFO, as the worker logs (pymongo's DEBUG trace of replies is never on in a service).
    caplog.set_level(logging.INFO)

    bootstrap.reencrypt_at_start()

    for tenant_id in ("tenant-a", "tenant-b"):
        assert SubjectRepository(tenant_id).stale_subject_ids() == []
    lines = [r for r in caplog.records if r.name == bootstrap.__name__]
    assert sorted(getattr(r, "tenant_id", None) for r in lines) == ["tenant-a", "tenant-b"]
    assert all("rewrote 1 subject(s)" in r.getMessage() for r in lines)
    logged = caplog.text + repr([vars(r) for r in caplog.records])
    for _, id_number, phone in stored:
        assert id_number not in logged
        assert phone not in logged


def test_a_tenant_that_fails_is_logged_and_the_others_still_converted(
    fresh_db, field_crypto, caplog
):
    broken, _, _ = legacy_subject("tenant-a", 120.0)
    legacy_subject("tenant-b", 120.5)
    # tenant-a's stored phone is another subject's ciphertext: it cannot be opened.
    collection = SubjectRepository("tenant-a")._collection()
    raw = collection.find_one({"_id": broken, "tenant_id": "tenant-a"})
    assert raw is not None
    raw["phone"] = field_crypto.cipher.encrypt(
        "13900000000", FieldBinding("tenant-a", "subjects", "another", "phone")
    )
    collection.delete_one({"_id": broken, "tenant_id": "tenant-a"})
    collection.insert_one(raw)

    bootstrap.reencrypt_at_start()

    assert SubjectRepository("tenant-a").stale_subject_ids() == [broken]
    assert SubjectRepository("tenant-b").stale_subject_ids() == []
    (failed,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failed.getMessage() == "re-encryption pass failed"
    assert getattr(failed, "tenant_id", None) == "tenant-a"
