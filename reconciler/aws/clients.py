"""boto3 clients built once per target and shared across threads.

Sessions are not thread-safe but clients are, so each target gets one session and its
clients up front. The plan's bulk reads go through `events_reads` and `secrets_reads`
(jsonreads.py: the same calls at a fraction of botocore's CPU, with their own retries and
rate limiter); other reads (listing, waiting) use botocore's adaptive mode (retries with
backoff and a client-side rate limiter that slows down on throttling). Writes get no botocore
retries: standard/adaptive count `LimitExceededException` (the connection quota) as
throttling and would spin on it (hashicorp/terraform-provider-aws#49845), and no mode
retries `ConcurrentModificationException`; `apply/retry.py` retries writes itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

from reconciler.aws.jsonreads import JsonReads, verify_setting

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
READ_ATTEMPTS = 12  # at 35% throttling, 0.35**12 per call: a run of thousands of reads still completes


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    account: str | None = None
    max_workers: int = 16


@dataclass
class Clients:
    events: Any
    events_writer: Any
    secrets: Any
    region: str
    # The plan's thousands of reads (DescribeConnection, BatchGetSecretValue, GetSecretValue),
    # with the same methods as `events` and `secrets` at a fraction of the CPU (jsonreads.py).
    events_reads: Any
    secrets_reads: Any


def _timeouts() -> tuple[float, float]:
    """Connect and read timeouts in seconds (RECONCILE_CONNECT_TIMEOUT, RECONCILE_READ_TIMEOUT)."""
    return (float(os.environ.get("RECONCILE_CONNECT_TIMEOUT", CONNECT_TIMEOUT)),
            float(os.environ.get("RECONCILE_READ_TIMEOUT", READ_TIMEOUT)))


def _config(pool: int, attempts: int, mode: str, timeouts: tuple[float, float], validate: bool = True) -> Config:
    # Typed loosely: botocore-stubs' _RetryDict has changed shape between releases.
    retries: Any = {"mode": mode, "total_max_attempts": attempts}
    connect, read = timeouts
    return Config(
        parameter_validation=validate,
        connect_timeout=connect,
        read_timeout=read,
        retries=retries,
        max_pool_connections=pool,
        user_agent_extra="reconcile",
    )


def _session(options: AwsOptions) -> tuple[boto3.Session, str | bool]:
    """The session for a target, and what TLS is verified against (as botocore decides it)."""
    core = botocore.session.Session(profile=options.profile)
    verify = verify_setting(core.get_config_variable("ca_bundle"))
    session = boto3.Session(botocore_session=core, region_name=options.region)
    if not options.role_arn:
        return session, verify
    sts = session.client("sts")
    creds = sts.assume_role(RoleArn=options.role_arn, RoleSessionName="reconcile")["Credentials"]
    assumed = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=options.region or session.region_name,
    )
    return assumed, verify


def _check_account(session: boto3.Session, expected: str) -> None:
    """A target that names its account never runs with another account's credentials."""
    from reconciler.errors import ReconcileError

    actual = session.client("sts").get_caller_identity()["Account"]
    if actual != expected:
        raise ReconcileError(f"credentials are for account {actual}, but the target expects {expected}; refusing to continue")


def make_clients(options: AwsOptions) -> Clients:
    session, verify = _session(options)
    region = session.region_name
    if not region:
        from reconciler.errors import ReconcileError

        raise ReconcileError("no AWS region: pass --region, set AWS_REGION, or set one in your profile or reconcile.yaml")
    if options.account:
        _check_account(session, options.account)
    pool = max(10, options.max_workers + 2)
    # Reads send only names and ids reconcile built itself; skipping botocore's client-side
    # parameter validation saves ~13% of the CPU of each of the thousands of reads.
    timeouts = _timeouts()
    connect, read = timeouts
    reads = _config(pool, READ_ATTEMPTS, "adaptive", timeouts, validate=False)
    events = session.client("events", config=reads)
    secrets = session.client("secretsmanager", config=reads)
    credentials = session.get_credentials()

    def fast(client: Any) -> JsonReads:
        return JsonReads(client, credentials, attempts=READ_ATTEMPTS, verify=verify, connect_timeout=connect, read_timeout=read)

    return Clients(
        events=events,
        events_writer=session.client("events", config=_config(pool, 1, "standard", timeouts)),
        secrets=secrets,
        region=region,
        events_reads=fast(events),
        secrets_reads=fast(secrets),
    )
