from prometheus_client import Counter, Gauge, Histogram

from shared.kafka import metrics

ALLOWED_LABELS = {"topic", "group", "collection", "reason"}
# 0/1 state gauges are named for the state, as Prometheus' own `up` is: there is no unit.
STATE_GAUGES = {"gridgov_consumer_stopped"}
METRICS = [
    value for value in vars(metrics).values() if isinstance(value, (Counter, Gauge, Histogram))
]


def test_every_metric_is_prefixed_and_has_a_unit() -> None:
    assert METRICS
    for metric in METRICS:
        name = metric._name
        assert name.startswith("gridgov_"), name
        assert (
            name.endswith(("_total", "_seconds", "_messages", "_documents", "_partitions"))
            or isinstance(metric, Counter)
            or name in STATE_GAUGES
        ), name


def test_labels_are_bounded() -> None:
    for metric in METRICS:
        assert set(metric._labelnames) <= ALLOWED_LABELS, metric._name


def test_gauges_declare_a_multiprocess_mode() -> None:
    gauges = [m for m in METRICS if isinstance(m, Gauge)]
    assert gauges
    for gauge in gauges:
        assert gauge._multiprocess_mode != "all", gauge._name
