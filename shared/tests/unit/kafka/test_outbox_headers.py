from shared.events.envelope import Envelope
from shared.kafka.outbox import RELAY_COMMENT, entry_headers
from shared.mongo.documents import PendingEvent
from shared.mongo.guard import CROSS_TENANT_COMMENT_PREFIX


def test_headers_carry_routing_fields_from_the_envelope() -> None:
    envelope = Envelope.new(
        type="division.created", version=1, tenant_id="t1", producer="p", payload={}
    )
    entry = (
        PendingEvent("gridgov.registry.divisions", "d1", envelope).to_entry().to_mongo().to_dict()
    )
    assert dict(entry_headers(entry)) == {
        "event_id": envelope.event_id.encode(),
        "type": b"division.created",
        "version": b"1",
        "tenant_id": b"t1",
    }


def test_unparseable_envelope_still_gets_an_event_id_header() -> None:
    assert entry_headers({"event_id": "e1", "envelope": "{nope"}) == [("event_id", b"e1")]


def test_relay_queries_are_tagged_with_the_escape_hatch() -> None:
    assert RELAY_COMMENT == CROSS_TENANT_COMMENT_PREFIX + "outbox-relay"
