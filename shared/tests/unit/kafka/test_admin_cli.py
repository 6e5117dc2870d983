"""`python -m shared.kafka.admin`: the stack's topics step, against a fake cluster and clock."""

from __future__ import annotations

import io
from typing import Any

import pytest
from kafka.errors import InvalidReplicationFactorError, KafkaTimeoutError, TopicAlreadyExistsError

from shared.events.topics import Topic
from shared.kafka.admin import BOOTSTRAP_ENV, run, topic_plan

EXPECTED = 2 * len(Topic)  # every topic and its DLQ


class Clock:
    """Fake monotonic clock; `sleep` advances it, and so does a connect that times out."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeCluster:
    """Topics by name, with a broker that answers `up_after` seconds from now.

    `connect` behaves like kafka-python's bootstrap: it waits up to its budget for the broker
    and raises `KafkaTimeoutError` when the broker is not up by then.
    """

    def __init__(
        self,
        clock: Clock,
        topics: tuple[str, ...] = (),
        *,
        up_after: float = 0,
        refusals: list[Exception] | None = None,
        lost: frozenset[str] = frozenset(),
    ) -> None:
        self.clock = clock
        self.topics: dict[str, dict[str, Any]] = {name: {} for name in topics}
        self.up_at = clock.now + up_after
        self.refusals = refusals or []  # raised by create_topics, one per call, first
        self.lost = lost  # accepted by create_topics but never listed afterwards
        self.connects: list[tuple[str, float]] = []
        self.open_admins = 0
        self.altered: list[str] = []

    def connect(self, bootstrap: str, timeout_s: float) -> FakeAdmin:
        self.connects.append((bootstrap, timeout_s))
        if self.clock.now + timeout_s < self.up_at:
            self.clock.now += timeout_s
            raise KafkaTimeoutError(f"Unable to bootstrap from {bootstrap}")
        self.clock.now = max(self.clock.now, self.up_at)
        self.open_admins += 1
        return FakeAdmin(self)


class FakeAdmin:
    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster

    def list_topics(self) -> list[str]:
        return [name for name in self.cluster.topics if name not in self.cluster.lost]

    def create_topics(
        self, new_topics: dict[str, dict[str, Any]], *, timeout_ms: int, wait_for_metadata: bool
    ) -> None:
        assert wait_for_metadata
        assert timeout_ms > 0
        if self.cluster.refusals:
            raise self.cluster.refusals.pop(0)
        for name, options in new_topics.items():
            if name in self.cluster.topics:
                raise TopicAlreadyExistsError(name)
            self.cluster.topics[name] = options

    def describe_configs(self, config_resources: list[Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for resource in config_resources:
            configs = self.cluster.topics[resource.name].get("configs", {})
            found[resource.name] = {
                key: {"value": configs[key]} for key in resource.configs if key in configs
            }
        return {"topic": found}

    def alter_configs(self, config_resources: list[Any]) -> None:
        for resource in config_resources:
            topic = self.cluster.topics[resource.name]
            topic["configs"] = {**topic.get("configs", {}), **resource.configs}
            self.cluster.altered.append(resource.name)

    def close(self) -> None:
        self.cluster.open_admins -= 1


def invoke(cluster: FakeCluster, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["--bootstrap", "127.0.0.1:9092", *argv],
        connect=cluster.connect,
        out=out,
        err=err,
        clock=cluster.clock,
        sleep=cluster.clock.sleep,
    )
    return code, out.getvalue(), err.getvalue()


def never_connect(bootstrap: str, timeout_s: float) -> FakeAdmin:
    pytest.fail("a usage error must not reach Kafka")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_an_empty_cluster_gets_every_topic_and_dlq_of_the_enum(clock: Clock) -> None:
    cluster = FakeCluster(clock)
    code, out, err = invoke(cluster)
    assert (code, err) == (0, "")
    assert out == f"topics: {EXPECTED} created, 0 present, {EXPECTED} expected\n"
    assert cluster.topics == topic_plan()
    assert cluster.open_admins == 0
    assert clock.sleeps == []


def test_a_second_run_creates_nothing(clock: Clock) -> None:
    cluster = FakeCluster(clock)
    assert invoke(cluster)[0] == 0
    code, out, _ = invoke(cluster)
    assert code == 0
    assert out == f"topics: 0 created, {EXPECTED} present, {EXPECTED} expected\n"


def test_existing_topics_are_counted_and_left_alone(clock: Clock) -> None:
    retention = topic_plan()[Topic.INTAKE_EVENTS.value]["configs"]
    kept = {"num_partitions": 1, "configs": dict(retention)}
    cluster = FakeCluster(clock, (Topic.INTAKE_EVENTS.value, "other"))
    cluster.topics[Topic.INTAKE_EVENTS.value] = kept
    cluster.topics[Topic.INTAKE_EVENTS.dlq] = {"num_partitions": 1, "configs": dict(retention)}
    code, out, _ = invoke(cluster)
    assert code == 0
    assert out == f"topics: {EXPECTED - 2} created, 2 present, {EXPECTED} expected\n"
    assert cluster.topics[Topic.INTAKE_EVENTS.value] is kept  # partitions are never changed
    assert kept["num_partitions"] == 1
    assert cluster.altered == []
    assert "other" in cluster.topics


def test_the_replication_factor_goes_into_every_topic(clock: Clock) -> None:
    cluster = FakeCluster(clock)
    assert invoke(cluster, "--replication-factor", "3")[0] == 0
    assert {options["replication_factor"] for options in cluster.topics.values()} == {3}


def test_it_waits_for_a_broker_that_is_still_starting(clock: Clock) -> None:
    cluster = FakeCluster(clock, up_after=20)
    code, out, _ = invoke(cluster, "--timeout", "60")
    assert code == 0
    assert out.startswith(f"topics: {EXPECTED} created")
    assert cluster.connects == [("127.0.0.1:9092", 60.0)]  # the bootstrap gets the whole budget


def test_a_retry_gets_what_is_left_of_the_timeout(clock: Clock) -> None:
    not_registered = InvalidReplicationFactorError("only 0 broker(s) are registered")
    cluster = FakeCluster(clock, refusals=[not_registered])
    assert invoke(cluster, "--timeout", "60")[0] == 0
    assert [budget for _, budget in cluster.connects] == [60.0, 59.75]


def test_it_retries_a_broker_that_answers_but_is_not_ready(clock: Clock) -> None:
    # A KRaft broker listens before it has registered: creates fail with "0 brokers".
    not_registered = InvalidReplicationFactorError("only 0 broker(s) are registered")
    cluster = FakeCluster(clock, refusals=[not_registered] * 3)
    code, _, err = invoke(cluster)
    assert (code, err) == (0, "")
    assert cluster.topics == topic_plan()
    assert len(cluster.connects) == 4
    assert clock.sleeps == [0.25, 0.5, 1.0]  # backing off between attempts
    assert cluster.open_admins == 0  # every failed attempt closed its client


def test_it_gives_up_loudly_when_no_broker_answers_in_time(clock: Clock) -> None:
    cluster = FakeCluster(clock, up_after=float("inf"))
    started = clock.now
    code, out, err = invoke(cluster, "--timeout", "3")
    assert code == 1
    assert out == ""
    assert err.startswith("topics: gave up after 3 s: Kafka at 127.0.0.1:9092 is not reachable")
    assert "(last error: KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:9092)" in err
    assert clock.now - started <= 3 + 1  # the timeout, plus at most one last short attempt


def test_it_gives_up_when_the_broker_keeps_refusing(clock: Clock) -> None:
    refusal = InvalidReplicationFactorError("only 1 broker(s) are registered")
    cluster = FakeCluster(clock, refusals=[refusal] * 1000)
    code, _, err = invoke(cluster, "--timeout", "5", "--replication-factor", "3")
    assert code == 1
    assert "InvalidReplicationFactorError" in err
    assert "only 1 broker(s) are registered" in err
    assert sum(clock.sleeps) <= 5


def test_a_topic_missing_after_creation_fails_the_run(clock: Clock) -> None:
    lost = frozenset({Topic.PATROL_POINTS.dlq})
    cluster = FakeCluster(clock, lost=lost)
    code, out, err = invoke(cluster)
    assert code == 1
    assert out == ""
    assert err == (
        f"topics: 1 of {EXPECTED} expected topics missing at 127.0.0.1:9092 after creation: "
        f"{Topic.PATROL_POINTS.dlq}\n"
    )


def test_bootstrap_defaults_to_the_environment(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BOOTSTRAP_ENV, "kafka-0:9092,kafka-1:9092")
    cluster = FakeCluster(clock)
    code = run([], connect=cluster.connect, out=io.StringIO(), clock=clock, sleep=clock.sleep)
    assert code == 0
    assert cluster.connects[0][0] == "kafka-0:9092,kafka-1:9092"


def test_bootstrap_is_required_without_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(BOOTSTRAP_ENV, raising=False)
    with pytest.raises(SystemExit) as exit_:
        run([], connect=never_connect)
    assert exit_.value.code == 2
    assert "--bootstrap" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--timeout", "0"], "--timeout: must be a positive float, got '0'"),
        (["--timeout", "soon"], "--timeout: must be a positive float, got 'soon'"),
        (["--replication-factor", "0"], "--replication-factor: must be a positive int, got '0'"),
        (["--replication-factor", "1.5"], "must be a positive int, got '1.5'"),
    ],
)
def test_bad_numbers_are_usage_errors(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(["--bootstrap", "127.0.0.1:9092", *argv], connect=never_connect)
    assert exit_.value.code == 2
    assert complaint in capsys.readouterr().err


def test_a_topic_kept_with_another_retention_is_set_to_the_specified_one(clock: Clock) -> None:
    cluster = FakeCluster(clock)
    assert invoke(cluster)[0] == 0
    name = Topic.REGISTRY_FILINGS.value
    cluster.topics[name]["configs"] = {"retention.ms": str(365 * 86_400_000)}  # an older spec
    code, out, _ = invoke(cluster)
    assert code == 0
    assert out.endswith(f"topics: retention set as specified on {name}\n")
    assert cluster.topics[name] == topic_plan()[name]
    assert cluster.altered == [name]
    assert invoke(cluster)[1] == f"topics: 0 created, {EXPECTED} present, {EXPECTED} expected\n"
