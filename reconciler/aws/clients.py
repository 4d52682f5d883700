"""boto3 clients built once per target and shared across threads.

Sessions are not thread-safe but clients are, so each target gets one session and its
clients up front. Reads use botocore's adaptive mode (retries with backoff and a
client-side rate limiter that slows down on throttling). Writes get no botocore
retries: standard/adaptive count `LimitExceededException` (the connection quota) as
throttling and would spin on it (hashicorp/terraform-provider-aws#49845), and no mode
retries `ConcurrentModificationException`; `apply/retry.py` retries writes itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

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


def _config(pool: int, attempts: int, mode: str, validate: bool = True) -> Config:
    # Typed loosely: botocore-stubs' _RetryDict has changed shape between releases.
    retries: Any = {"mode": mode, "total_max_attempts": attempts}
    return Config(
        parameter_validation=validate,
        connect_timeout=float(os.environ.get("RECONCILE_CONNECT_TIMEOUT", CONNECT_TIMEOUT)),
        read_timeout=float(os.environ.get("RECONCILE_READ_TIMEOUT", READ_TIMEOUT)),
        retries=retries,
        max_pool_connections=pool,
        user_agent_extra="reconcile",
    )


def _session(options: AwsOptions) -> boto3.Session:
    session = boto3.Session(profile_name=options.profile, region_name=options.region)
    if not options.role_arn:
        return session
    sts = session.client("sts")
    creds = sts.assume_role(RoleArn=options.role_arn, RoleSessionName="reconcile")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=options.region or session.region_name,
    )


def _check_account(session: boto3.Session, expected: str) -> None:
    """A target that names its account never runs with another account's credentials."""
    from reconciler.errors import ReconcileError

    actual = session.client("sts").get_caller_identity()["Account"]
    if actual != expected:
        raise ReconcileError(f"credentials are for account {actual}, but the target expects {expected}; refusing to continue")


def make_clients(options: AwsOptions) -> Clients:
    session = _session(options)
    region = session.region_name
    if not region:
        from reconciler.errors import ReconcileError

        raise ReconcileError("no AWS region: pass --region, set AWS_REGION, or set one in your profile or reconcile.yaml")
    if options.account:
        _check_account(session, options.account)
    pool = max(10, options.max_workers + 2)
    # Reads send only names and ids reconcile built itself; skipping botocore's client-side
    # parameter validation saves ~13% of the CPU of each of the thousands of reads.
    reads = _config(pool, READ_ATTEMPTS, "adaptive", validate=False)
    return Clients(
        events=session.client("events", config=reads),
        events_writer=session.client("events", config=_config(pool, 1, "standard")),
        secrets=session.client("secretsmanager", config=reads),
        region=region,
    )
