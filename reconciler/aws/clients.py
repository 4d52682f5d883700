"""botocore clients, built once per target and shared by its threads.

Every AWS request goes through botocore: its HTTP, signing, TLS, proxies, endpoint rules,
credentials and retries. Sessions are not thread-safe but clients are, so each target gets
one session and its clients up front.

Reads use botocore's standard retry mode: exponential backoff with jitter, at most
READ_ATTEMPTS attempts, and the client's retry quota (botocore/retries/quota.py), which
stops retrying once failures outnumber successes: a sustained outage costs about one
request per call plus the quota's worth of retries, not calls × attempts. Writes get no
botocore retries: standard/adaptive count `LimitExceededException` (the connection quota)
as throttling and would spin on it (hashicorp/terraform-provider-aws#49845), and no mode
retries `ConcurrentModificationException`; `apply/retry.py` retries writes itself, under
the target's own retry quota (`Clients.write_quota`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, CredentialProvider, DeferredRefreshableCredentials
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
class Clients:
    events: Any  # reads (describe, list, waiting), retried by botocore
    events_writer: Any  # writes: one attempt each, retried by apply/retry.py
    secrets: Any
    region: str
    account: str = ""  # from GetCallerIdentity: plans show it, saved plans are held to it
    # Shared by every write retry of the target, as botocore's quota is by a client's reads.
    write_quota: RetryQuota = field(default_factory=RetryQuota)


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


def target_session(options: AwsOptions, clock: Now = _now) -> boto3.Session:
    """One session per target; `clock` tells assumed-role credentials when they expire."""
    core = botocore.session.Session(profile=options.profile)
    # Set on the session, so every client has it: STS's for the role and the account check too.
    core.set_config_variable("user_agent_appid", USER_AGENT_APPID)
    if options.region:
        core.set_config_variable("region", options.region)
    if options.role_arn:
        _assume_role(core, options.role_arn, clock)
    return boto3.Session(botocore_session=core)


def _account(session: boto3.Session, expected: str | None, config: Config, target: str = "default") -> str:
    """The account the credentials are for (one GetCallerIdentity per target): plans name it, and
    a target that names its account never runs with another account's credentials."""
    actual = str(session.client("sts", config=config).get_caller_identity()["Account"])
    if expected and actual != expected:
        raise ReconcileError(
            f"target {target}: credentials are for account {actual}, but the target expects {expected}; "
            "refusing to continue"
        )
    return actual


def _log_calls(session: boto3.Session, target: str, region: str) -> None:
    """-vv: one line per AWS call (not per retry), operation and target; no parameters, which can hold secrets.
    On the session, so every client of the target logs: STS's for the role and the account check too."""

    def before_call(model: Any, **_: Any) -> None:
        prefix = model.service_model.signing_name
        log.debug("AWS call %s:%s (target %s, %s)", prefix, model.name, target, region)

    session.events.register("before-call", before_call)


def make_clients(options: AwsOptions) -> Clients:
    session = target_session(options)
    region = session.region_name
    if not region:
        raise ReconcileError(
            "no AWS region: pass --region, set AWS_REGION, or set one in your profile or reconcile.yaml"
        )
    if log.isEnabledFor(logging.DEBUG):
        _log_calls(session, options.target, region)
    if session.get_credentials() is None:
        # Checked once per target, before any call: otherwise every call of the run fails alike.
        raise ReconcileError(NO_CREDENTIALS)
    pool = max(10, options.max_workers + 2)
    timeouts = _timeouts()
    reads = client_config(pool, READ_ATTEMPTS, timeouts)
    account = _account(session, options.account, reads, options.target)
    events = session.client("events", config=reads)
    events_writer = session.client("events", config=client_config(pool, 1, timeouts))
    secrets = session.client("secretsmanager", config=reads)
    # Every EventBridge request of the target, reads and writes, waits its turn at one cap.
    events_cap = rate.RateCap(options.max_rps)
    for client in (events, events_writer):
        rate.attach(client, events_cap)
    # Secrets Manager's quotas are per operation (see aws/rate.py).
    rate.attach(secrets, rate.RateCap(rate.BATCH_GET_SECRET_VALUE_RPS), "BatchGetSecretValue")
    rate.attach(secrets, rate.RateCap(rate.GET_SECRET_VALUE_RPS), "GetSecretValue")
    return Clients(
        events=events,
        events_writer=events_writer,
        secrets=secrets,
        region=region,
        account=account,
    )
