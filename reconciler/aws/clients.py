"""botocore clients, built once per target when first needed and shared by its threads.

Every AWS request goes through botocore: its HTTP, signing, TLS, proxies, endpoint rules,
credentials and retries. Sessions are not thread-safe but clients are, so each target gets
one session, and each client is built once (under a lock) and shared. Targets at one place
(account and region) share one `Budget`: the rate caps and the write retry quota.

Reads use botocore's standard retry mode: exponential backoff with jitter, at most
READ_ATTEMPTS attempts, and the client's retry quota (botocore/retries/quota.py), which
stops retrying once failures outnumber successes: a sustained outage costs about one
request per call plus the quota's worth of retries, not calls × attempts. Writes get no
botocore retries: standard/adaptive count `LimitExceededException` (the connection quota)
as throttling and would spin on it (hashicorp/terraform-provider-aws#49845), and no mode
retries `ConcurrentModificationException`; `apply/retry.py` retries writes itself, under
the place's retry quota (`Budget.write_quota`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, CredentialProvider, DeferredRefreshableCredentials
from botocore.loaders import Loader, create_loader
from botocore.retries.quota import RetryQuota

from reconciler import __version__
from reconciler.aws import rate
from reconciler.aws.errors import NO_CREDENTIALS
from reconciler.errors import ReconcileError

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
# A throttled read backs off 1 s, 2 s, 4 s … (capped at 20 s): eight attempts ride out a
# long burst of throttling, and the retry quota still bounds what an outage costs.
READ_ATTEMPTS = 8
# CloudTrail's userAgent shows "app/reconcile-<version>" for every call reconcile makes.
USER_AGENT_APPID = f"reconcile-{__version__}"
ROLE_SESSION_NAME = "reconcile"
ROLE_SESSION_SECONDS = 3600  # AWS's default, and within every role's MaxSessionDuration (1-12 h)

# Wall time, for when assumed-role credentials expire (reconciler/clock.py is monotonic time).
Now = Callable[[], datetime]
log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AwsOptions:
    target: str = "default"  # the target's name, for -vv logs
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    account: str | None = None
    max_workers: int = 16
    max_rps: float = rate.DEFAULT_EVENTBRIDGE_RPS  # EventBridge requests per second, all threads together


@dataclass
class Budget:
    """What every target at one place (account and region) shares: EventBridge's request quota,
    Secrets Manager's, and the retry quota of writes are the account's in that region, not a
    target's. Two targets at one place each with a cap of their own would go over the quota
    together (measured: 16 of 196 describes throttled)."""

    events: rate.RateCap
    batch_get_secret_value: rate.RateCap
    get_secret_value: rate.RateCap
    # Shared by every write retry at the place, as botocore's quota is by a client's reads.
    write_quota: RetryQuota

    @classmethod
    def new(cls, max_rps: float) -> Budget:
        return cls(
            rate.RateCap(max_rps),
            rate.RateCap(rate.BATCH_GET_SECRET_VALUE_RPS),
            rate.RateCap(rate.GET_SECRET_VALUE_RPS),
            RetryQuota(),
        )


class Clients:
    """One target's clients, built when first needed (a plan builds no writer) from its session,
    under its place's budget (`share`)."""

    def __init__(self, session: boto3.Session, region: str, account: str, options: AwsOptions) -> None:
        self.session = session
        self.region = region
        self.account = account  # from GetCallerIdentity: plans show it, saved plans are held to it
        self._pool = max(10, options.max_workers + 2)
        self._max_rps = options.max_rps
        self._budget: Budget | None = None
        self._built: dict[str, Any] = {}
        # Sessions are not thread-safe; clients, once built, are (botocore's documentation).
        self._lock = threading.Lock()

    def share(self, budget: Budget) -> None:
        """Put this target under its place's budget; before any client is built."""
        with self._lock:
            if self._built:
                raise RuntimeError("a budget is shared before any client is built")
            self._budget = budget

    @property
    def budget(self) -> Budget:
        with self._lock:
            if self._budget is None:
                self._budget = Budget.new(self._max_rps)
            return self._budget

    @property
    def write_quota(self) -> RetryQuota:
        return self.budget.write_quota

    def _client(self, key: str) -> Any:
        budget = self.budget
        with self._lock:
            if key not in self._built:
                self._built[key] = self._build(key, budget)
            return self._built[key]

    def _build(self, key: str, budget: Budget) -> Any:
        timeouts = _timeouts()
        if key == "secrets":
            secrets: Any = self.session.client(
                "secretsmanager", config=client_config(self._pool, READ_ATTEMPTS, timeouts)
            )
            # Secrets Manager's quotas are per operation (see aws/rate.py).
            rate.attach(secrets, budget.batch_get_secret_value, "BatchGetSecretValue")
            rate.attach(secrets, budget.get_secret_value, "GetSecretValue")
            return secrets
        attempts = READ_ATTEMPTS if key == "events" else 1
        client = self.session.client("events", config=client_config(self._pool, attempts, timeouts))
        # Every EventBridge request at the place, reads and writes, waits its turn at one cap.
        rate.attach(client, budget.events)
        return client

    @property
    def events(self) -> Any:
        """Reads (describe, list, waiting), retried by botocore."""
        return self._client("events")

    @property
    def events_writer(self) -> Any:
        """Writes: one attempt each, retried by apply/retry.py."""
        return self._client("events_writer")

    @property
    def secrets(self) -> Any:
        return self._client("secrets")


def _timeouts() -> tuple[float, float]:
    """Connect and read timeouts in seconds (RECONCILE_CONNECT_TIMEOUT, RECONCILE_READ_TIMEOUT)."""
    return (
        float(os.environ.get("RECONCILE_CONNECT_TIMEOUT", CONNECT_TIMEOUT)),
        float(os.environ.get("RECONCILE_READ_TIMEOUT", READ_TIMEOUT)),
    )


def client_config(pool: int, attempts: int, timeouts: tuple[float, float]) -> Config:
    connect, read = timeouts
    # Typed loosely: botocore-stubs' _RetryDict has changed shape between releases.
    retries: Any = {"mode": "standard", "total_max_attempts": attempts}
    return Config(connect_timeout=connect, read_timeout=read, max_pool_connections=pool, retries=retries)


class _AssumedRole(CredentialProvider):
    """The target's role, assumed with the profile's own credentials and refreshed before it
    expires (botocore's assume-role fetcher), so a run longer than the role session goes on."""

    METHOD = "reconcile-assume-role"

    def __init__(self, fetcher: AssumeRoleCredentialFetcher, clock: Now) -> None:
        super().__init__()
        self._fetcher = fetcher
        self._clock = clock

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(self._fetcher.fetch_credentials, self.METHOD, time_fetcher=self._clock)


class _NoCache(dict[str, Any]):
    """The fetcher's cache, kept empty: the refreshable credentials hold the current keys, so
    one clock (theirs) alone decides when the role is assumed again."""

    def __contains__(self, key: object) -> bool:
        return False

    def __setitem__(self, key: str, value: Any) -> None:
        pass


def _assume_role(core: botocore.session.Session, role_arn: str, clock: Now) -> None:
    """Put the role first in the session's credential chain. The session keeps the profile's
    other settings (region, FIPS and dual-stack endpoints, ca_bundle, proxies) for every
    client, the STS client that assumes the role included."""
    resolver = core.get_component("credential_provider")
    source = resolver.load_credentials()
    if source is None:
        raise ReconcileError(
            f"no AWS credentials found to assume {role_arn} with: configure a profile, environment variables or a role"
        )
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=core.create_client,
        source_credentials=source,
        role_arn=role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME, "DurationSeconds": ROLE_SESSION_SECONDS},
        cache=_NoCache(),
    )
    resolver.insert_before(resolver.providers[0].METHOD, _AssumedRole(fetcher, clock))


_NO_REGION = (
    "no AWS region: tried --region (or region: in reconcile.yaml), AWS_REGION, AWS_DEFAULT_REGION and {profile}'s "
    "region; set one of them"
)
_loader: Loader | None = None
_loader_lock = threading.Lock()


# The services every target's clients use: their models and endpoint rules are read once, up front.
SERVICES = ("sts", "events", "secretsmanager")


def _shared_loader() -> Loader:
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = create_loader()
            # Read before any target's thread asks: otherwise the first threads all miss the
            # loader's cache at once and each lists botocore's data folder (measured: 100 targets
            # on 16 threads took 111 ms each unprimed, 48 ms primed).
            for service in SERVICES:
                _loader.load_service_model(service, "service-2")
                _loader.load_service_model(service, "endpoint-rule-set-1")
        return _loader


def _boto3_session(core: botocore.session.Session) -> boto3.Session:
    """boto3's session around ours. boto3 appends its data folder to the loader's search path
    on every session: with one shared loader that is one more path per target, each scanned by
    every later lookup, so the duplicates are dropped again."""
    with _loader_lock:
        session = boto3.Session(botocore_session=core)
        paths = core.get_component("data_loader").search_paths
        unique = list(dict.fromkeys(paths))
        if len(unique) != len(paths):
            paths[:] = unique
        return session


def target_session(options: AwsOptions, clock: Now = _now) -> boto3.Session:
    """One session per target; `clock` tells assumed-role credentials when they expire."""
    core = botocore.session.Session(profile=options.profile)
    # Service models, endpoints and partitions are read-only data: one loader for every target
    # (measured at 300 targets: 8x less memory, 3.5x less time than a loader per session).
    core.register_component("data_loader", _shared_loader())
    # Set on the session, so every client has it: STS's for the role and the account check too.
    core.set_config_variable("user_agent_appid", USER_AGENT_APPID)
    region = options.region or os.environ.get("AWS_REGION")
    if region:
        # AWS_REGION before AWS_DEFAULT_REGION and the profile, as the AWS CLI v2 and the other
        # SDKs read it; botocore reads only AWS_DEFAULT_REGION.
        core.set_config_variable("region", region)
    if options.role_arn:
        _assume_role(core, options.role_arn, clock)
    return _boto3_session(core)


def _account(session: boto3.Session, expected: str | None, config: Config) -> str:
    """The account the credentials are for (one GetCallerIdentity per target): plans name it, and
    a target that names its account never runs with another account's credentials."""
    actual = str(session.client("sts", config=config).get_caller_identity()["Account"])
    if expected and actual != expected:
        raise ReconcileError(
            f"credentials are for account {actual}, but the target expects {expected}; refusing to continue"
        )
    return actual


def _log_calls(session: boto3.Session, target: str, region: str) -> None:
    """-vv: one line per AWS call (not per retry), operation and target; no parameters, which can hold secrets.
    On the session, so every client of the target logs: STS's for the role and the account check too."""

    def name_of(params: Any, context: Any, **_: Any) -> None:
        # Only the resource's Name is taken from the parameters (never a value): which connection
        # or destination a call is about.
        if isinstance(params, dict) and isinstance(params.get("Name"), str) and isinstance(context, dict):
            context["reconcile_name"] = params["Name"]

    def before_call(model: Any, context: Any = None, **_: Any) -> None:
        prefix = model.service_model.signing_name
        name = (context or {}).get("reconcile_name")
        about = f" {name}" if name else ""
        log.debug("AWS call %s:%s%s (target %s, %s)", prefix, model.name, about, target, region)

    session.events.register("before-parameter-build", name_of)
    session.events.register("before-call", before_call)


def connect(options: AwsOptions) -> Clients:
    """The target's session and identity (one GetCallerIdentity); its clients come when first used."""
    session = target_session(options)
    region = session.region_name
    if not region:
        raise ReconcileError(
            _NO_REGION.format(profile=f"profile {options.profile!r}" if options.profile else "the profile")
        )
    if log.isEnabledFor(logging.DEBUG):
        _log_calls(session, options.target, region)
    if session.get_credentials() is None:
        # Checked once per target, before any call: otherwise every call of the run fails alike.
        raise ReconcileError(NO_CREDENTIALS)
    account = _account(session, options.account, client_config(2, READ_ATTEMPTS, _timeouts()))
    return Clients(session, region, account, options)


def make_clients(options: AwsOptions) -> Clients:
    """A target's clients under a budget of their own (a command with one place: import)."""
    clients = connect(options)
    clients.share(Budget.new(options.max_rps))
    return clients
