"""What scoring consumes: every topic the metric ledger reads can be replayed for a rebuild."""

from __future__ import annotations

from services.scoring.consumers import LEDGER_TOPICS, ledger_table
from shared.events.topics import TOPIC_SPECS, Topic

DAY_MS = 24 * 3600 * 1000


def test_every_ledger_topic_keeps_an_assessment_year_and_its_corrections() -> None:
    # A year's scheme is closed and corrected months after its last day: the rebuild
    # (services/scoring/rebuild.py) replays 400 days.
    short = {
        topic.value: TOPIC_SPECS[topic].retention_ms // DAY_MS
        for topic in LEDGER_TOPICS
        if TOPIC_SPECS[topic].retention_ms < 400 * DAY_MS
    }
    assert short == {}


def test_the_registrys_filings_feed_the_ledger() -> None:
    # 制度备案 (district reports' filed systems): both the filing and its withdrawal.
    assert Topic.REGISTRY_FILINGS in LEDGER_TOPICS
    assert set(ledger_table(Topic.REGISTRY_FILINGS)) == {"filing.recorded", "filing.withdrawn"}
