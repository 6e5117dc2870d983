"""Fixtures for every service's integration tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import mongoengine
import pytest

from shared.mongo import connect, tenant_documents


@pytest.fixture
def mongo_db() -> Iterator[str]:
    """A fresh database on the real FerretDB for one test, dropped afterwards.

    The tenant guard is installed for the whole run by the pytest plugin, so an untenanted
    query in the code under test fails here as it would in production tests.
    """
    name = f"test_{uuid.uuid4().hex[:12]}"
    connect(os.environ.get("GRIDGOV_MONGO_URI", "mongodb://127.0.0.1:27017"), name)
    for document in tenant_documents():
        document._collection = None  # collections are cached per class; point them at this db
    yield name
    mongoengine.get_connection().drop_database(name)
    mongoengine.disconnect()
