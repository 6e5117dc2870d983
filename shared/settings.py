"""Typed settings read once from the environment, every problem reported at once.

A settings class is a frozen, keyword-only dataclass deriving from ``Settings``. Each field is
read from ``GRIDGOV_<FIELD_NAME_IN_UPPER_CASE>`` (or the ``env=`` given to ``setting``) and
parsed by its annotation: ``str``, ``int``, ``float``, ``bool`` (true/false/1/0/yes/no/on/off),
``Secret``, ``tuple[str, ...]`` (comma-separated), or ``X | None`` of those. An empty variable
counts as unset. ``from_env`` collects every problem (missing, unparsable, out of range, not one
of the choices, failed check) and raises one ``SettingsError`` listing each variable and reason.

Services extend ``PlatformSettings``::

    @dataclass(frozen=True, kw_only=True)
    class PatrolSettings(PlatformSettings):
        max_points_per_batch: int = setting(default=500, minimum=1, maximum=5000)
        geocoder_token: Secret | None = setting(default=None)

    settings = PatrolSettings.from_env(service="patrol_tracking")

Values passed to ``from_env`` as keywords are fixed by code (the service name) and win over the
environment. Secrets are ``Secret`` objects whose ``repr``/``str`` are masked, so logging the
settings object never prints them; call ``reveal()`` where the raw value is needed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self, TypeVar, Union

ENV_PREFIX: Final = "GRIDGOV_"
_MASK: Final = "**********"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})

# Asymmetric algorithms only: a verifier that accepts HS* can be fooled with the public key as
# the HMAC secret, and ``none`` is no signature at all.
ASYMMETRIC_JWT_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ENVIRONMENTS: Final = ("dev", "test", "staging", "prod")
RATE_PERIODS: Final = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE: Final = re.compile(
    r"^\s*([1-9][0-9]*)\s*/\s*([1-9][0-9]*)?\s*(second|minute|hour|day)s?\s*$"
)


class Secret:
    """A string that never shows itself in ``repr``, ``str``, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The raw value; call it only where the secret is handed to a client library."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One variable that could not be turned into a valid value, and why."""

    variable: str
    reason: str


class SettingsError(ValueError):
    """Raised by ``from_env`` with every problem found, one line per variable."""

    def __init__(self, settings_class: str, problems: Collection[SettingProblem]) -> None:
        self.problems: tuple[SettingProblem, ...] = tuple(problems)
        lines = "\n".join(f"  {p.variable}: {p.reason}" for p in self.problems)
        super().__init__(f"{settings_class}: {len(self.problems)} invalid setting(s):\n{lines}")


Check = Callable[[Any], str | None]
"""A field check: returns a reason when the parsed value is invalid, ``None`` when valid."""


def setting(
    *,
    default: Any = dataclasses.MISSING,
    env: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: Collection[str] | None = None,
    check: Check | None = None,
    doc: str = "",
) -> Any:
    """Declare a settings field: its default, variable name, bounds, choices and extra check.

    No ``default`` means the variable is required. ``choices`` compares case-sensitively after
    parsing and applies to every element of a tuple.
    """
    metadata = {
        "env": env,
        "minimum": minimum,
        "maximum": maximum,
        "choices": tuple(choices) if choices is not None else None,
        "check": check,
        "doc": doc,
    }
    return dataclasses.field(default=default, metadata=metadata)


def _parse_scalar(kind: Any, raw: str) -> Any:
    if kind is str:
        return raw
    if kind is Secret:
        return Secret(raw)
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"expected a boolean (true/false), got {raw!r}")
    if kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
    raise TypeError(f"unsupported settings type {kind!r}")


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _parse(annotation: Any, raw: str) -> Any:
    kind, _ = _strip_optional(annotation)
    if typing.get_origin(kind) is tuple:
        (element, *_rest) = typing.get_args(kind)
        return tuple(
            _parse_scalar(element, part.strip()) for part in raw.split(",") if part.strip()
        )
    return _parse_scalar(kind, raw)


def _validate(value: Any, metadata: Mapping[str, Any]) -> str | None:
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            if metadata["minimum"] is not None and item < metadata["minimum"]:
                return f"must be at least {metadata['minimum']}, got {item}"
            if metadata["maximum"] is not None and item > metadata["maximum"]:
                return f"must be at most {metadata['maximum']}, got {item}"
        choices = metadata["choices"]
        if choices is not None and item not in choices:
            return f"must be one of {', '.join(choices)}; got {item!r}"
    check: Check | None = metadata["check"]
    return check(value) if check is not None else None


SettingsT = TypeVar("SettingsT", bound="Settings")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Base of every settings class; subclasses are ``@dataclass(frozen=True, kw_only=True)``."""

    env_prefix: ClassVar[str] = ENV_PREFIX

    @classmethod
    def variable_name(cls, field: dataclasses.Field[Any]) -> str:
        """The environment variable a field is read from."""
        return str(field.metadata.get("env") or f"{cls.env_prefix}{field.name.upper()}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **fixed: Any) -> Self:
        """Read, parse and validate every field; raise ``SettingsError`` listing all problems.

        ``environ`` defaults to ``os.environ``; ``fixed`` values are set by code, are not read
        from the environment, and are validated like the others.
        """
        source = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        problems: list[SettingProblem] = []
        unknown = set(fixed) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
        for field in dataclasses.fields(cls):
            if not field.init:
                continue
            variable = cls.variable_name(field)
            metadata = field.metadata or setting().metadata
            if field.name in fixed:
                value = fixed[field.name]
            else:
                raw = source.get(variable, "")
                if raw.strip() == "":
                    if field.default is dataclasses.MISSING:
                        problems.append(SettingProblem(variable, "is required but not set"))
                    continue  # the dataclass default applies
                try:
                    value = _parse(hints[field.name], raw)
                except ValueError as exc:
                    problems.append(SettingProblem(variable, str(exc)))
                    continue
            reason = _validate(value, metadata)
            if reason is not None:
                problems.append(SettingProblem(variable, reason))
                continue
            values[field.name] = value
        if not problems:
            try:
                return cls(**values)
            except SettingsError as exc:
                problems.extend(exc.problems)
        raise SettingsError(cls.__name__, problems)

    def for_log(self) -> dict[str, str]:
        """Every field rendered for a start-up log line; secrets stay masked."""
        return {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _jwt_algorithms_check(value: tuple[str, ...]) -> str | None:
    if not value:
        return "must name at least one algorithm"
    rejected = sorted(set(value) - ASYMMETRIC_JWT_ALGORITHMS)
    if rejected:
        allowed = ", ".join(sorted(ASYMMETRIC_JWT_ALGORITHMS))
        return f"{', '.join(rejected)} not allowed (asymmetric algorithms only: {allowed})"
    return None


def _url_check(value: str) -> str | None:
    if value and not value.startswith(("http://", "https://")):
        return f"must be an http(s) URL, got {value!r}"
    return None


def _bootstrap_check(value: tuple[str, ...]) -> str | None:
    if not value:
        return "must name at least one host:port"
    bad = [server for server in value if not server.rpartition(":")[2].isdigit()]
    return f"expected host:port, got {', '.join(bad)}" if bad else None


def parse_rate(text: str) -> tuple[int, int]:
    """``"600/minute"`` -> ``(600, 60)``: requests allowed per period of seconds.

    The period is ``second``, ``minute``, ``hour`` or ``day``, optionally with a count
    (``"100/10 seconds"``). Raises ``ValueError`` saying what is expected.
    """
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"expected <count>/<period> such as 600/minute, got {text!r}")
    count, periods, unit = match.groups()
    return int(count), int(periods or 1) * RATE_PERIODS[unit]


def _rate_check(value: str) -> str | None:
    try:
        parse_rate(value)
    except ValueError as exc:
        return str(exc)
    return None


def _rate_overrides_check(value: tuple[str, ...]) -> str | None:
    for item in value:
        tenant, _, rate = item.partition("=")
        if not tenant.strip() or _rate_check(rate) is not None:
            return f"expected <tenant id>=<count>/<period>, got {item!r}"
    return None


def _rate_store_check(value: str) -> str | None:
    if value in ("", "memory://") or value.startswith("sqlite:////"):
        return None
    return f"must be empty, memory:// or sqlite:////<absolute path>; got {value!r}"


def _log_level_check(value: str) -> str | None:
    if value.upper() not in LOG_LEVELS:
        return f"must be one of {', '.join(LOG_LEVELS)} (any case); got {value!r}"
    return None


@dataclass(frozen=True, kw_only=True)
class PlatformSettings(Settings):
    """What every service needs. Variables are ``GRIDGOV_<NAME>`` unless noted.

    ``jwt_issuer`` and ``jwks_url`` are derived from ``keycloak_url`` and ``keycloak_realm``
    unless set; ``mongo_db`` defaults to ``gridgov_<service>``.
    """

    service: str = setting(doc="service name, fixed by code: from_env(service=...)")
    env: str = setting(default="dev", choices=ENVIRONMENTS)
    log_level: str = setting(default="INFO", check=_log_level_check)
    http_max_body_bytes: int = setting(default=1_048_576, minimum=1, maximum=64 * 1_048_576)
    kafka_bootstrap: tuple[str, ...] = setting(default=("127.0.0.1:9092",), check=_bootstrap_check)
    mongo_uri: Secret = setting(default=Secret("mongodb://127.0.0.1:27017"))  # noqa: RUF009 - a field()
    mongo_db: str = setting(default="")
    # Per-document write leases (shared/mongo/leases.py): "auto" turns them on for FerretDB.
    mongo_write_leases: str = setting(default="auto", choices=("auto", "on", "off"))
    mongo_lease_ttl_seconds: float = setting(default=15.0, minimum=1.0, maximum=300.0)
    mongo_lease_wait_seconds: float = setting(default=10.0, minimum=0.1, maximum=120.0)
    # FerretDB over PostgreSQL only: the PostgreSQL database behind it, where the platform
    # creates the GIN expression indexes FerretDB's queries can use (shared/mongo/indexes.py).
    mongo_postgres_url: Secret | None = setting(default=None)  # noqa: RUF009 - a field()
    keycloak_url: str = setting(default="http://127.0.0.1:8080", check=_url_check)
    keycloak_realm: str = setting(default="gridgov")
    jwt_issuer: str = setting(default="", check=_url_check)
    jwks_url: str = setting(default="", check=_url_check)
    jwt_audience: str = setting(default="gridgov-api")
    jwt_algorithms: tuple[str, ...] = setting(default=("RS256",), check=_jwt_algorithms_check)
    jwt_leeway_seconds: int = setting(default=30, minimum=0, maximum=300)
    jwks_min_refetch_seconds: float = setting(default=30.0, minimum=1.0, maximum=3600.0)
    # Rate limits of the API (shared/http/ratelimit.py, ADR 11), each "<count>/<period>",
    # counted by every gunicorn worker of the API on one host together.
    rate_limit_enabled: bool = setting(default=True)
    rate_limit_user: str = setting(default="600/minute", check=_rate_check, doc="per subject")
    rate_limit_tenant: str = setting(
        default="6000/minute", check=_rate_check, doc="per tenant, all its users together"
    )
    rate_limit_ingestion: str = setting(
        default="1200/minute", check=_rate_check, doc="per subject, on @ingestion routes only"
    )
    rate_limit_ip: str = setting(
        default="600/minute", check=_rate_check, doc="per client address, public routes only"
    )
    rate_limit_tenant_overrides: tuple[str, ...] = setting(
        default=(), check=_rate_overrides_check, doc="<tenant id>=<rate>, comma-separated"
    )
    rate_limit_store: str = setting(
        default="",
        check=_rate_store_check,
        doc="sqlite:////<path> or memory://; empty: PROMETHEUS_MULTIPROC_DIR's, else memory",
    )

    # Reverse proxies in front of the API that each append to X-Forwarded-For and set
    # X-Forwarded-Proto and X-Forwarded-Prefix (the gateway: 1). That many hops are trusted, so
    # the public routes' per-address rate limit counts the caller, not the gateway, and the
    # links an answer carries (Location) keep the gateway's /api/<service> prefix. 0: the
    # headers are ignored, as they must be where any caller could set them.
    proxy_hops: int = setting(default=0, minimum=0, maximum=5)

    def __post_init__(self) -> None:
        # Frozen dataclass: derived values are filled once here, never mutated afterwards.
        object.__setattr__(self, "log_level", self.log_level.upper())
        base = self.keycloak_url.rstrip("/")
        if not self.jwt_issuer:
            object.__setattr__(self, "jwt_issuer", f"{base}/realms/{self.keycloak_realm}")
        if not self.jwks_url:
            issuer = self.jwt_issuer.rstrip("/")
            object.__setattr__(self, "jwks_url", f"{issuer}/protocol/openid-connect/certs")
        if not self.mongo_db:
            object.__setattr__(self, "mongo_db", f"gridgov_{self.service}")


__all__ = [
    "ASYMMETRIC_JWT_ALGORITHMS",
    "ENVIRONMENTS",
    "ENV_PREFIX",
    "LOG_LEVELS",
    "RATE_PERIODS",
    "PlatformSettings",
    "Secret",
    "SettingProblem",
    "Settings",
    "SettingsError",
    "SettingsT",
    "parse_rate",
    "setting",
]
