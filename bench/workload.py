"""The benchmark's world: N connections as YAML specs, and the same N seeded into the emulator.

Connection i alternates API_KEY / OAUTH_CLIENT_CREDENTIALS. Each has a secret of its
own (the API key, or the OAuth client secret as a JSON key) and a secret invocation
header `X-Tenant-Token` whose secret it shares with its neighbour (`bench/shared-{i//2}`),
so N connections reference N + ⌈N/2⌉ distinct secrets. Every DRIFT_EVERY-th
connection is seeded with an older Description, so the plan has updates to find.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DRIFT_EVERY = 10
SEED_THREADS = 8
REGION = "us-east-1"


@dataclass(frozen=True)
class BenchConnection:
    index: int

    @property
    def name(self) -> str:
        return f"bench-{self.index:05d}"

    @property
    def oauth(self) -> bool:
        return self.index % 2 == 1

    @property
    def own_secret(self) -> str:
        return f"bench/conn-{self.index}"

    @property
    def shared_secret(self) -> str:
        return f"bench/shared-{self.index // 2}"

    @property
    def description(self) -> str:
        return f"Bench connection {self.index}"

    @property
    def drifted(self) -> bool:
        return self.index % DRIFT_EVERY == DRIFT_EVERY // 2


def connections(n: int) -> list[BenchConnection]:
    return [BenchConnection(i) for i in range(n)]


def secret_value(secret_id: str) -> str:
    """Deterministic values, so seeding and checking agree without reading anything back."""
    if secret_id.startswith("bench/conn-") and int(secret_id.rsplit("-", 1)[1]) % 2 == 1:
        return json.dumps({"client_secret": f"cs-{secret_id}"})
    return f"value-{secret_id}"


def unique_secrets(conns: list[BenchConnection]) -> list[str]:
    return list(dict.fromkeys(s for c in conns for s in (c.own_secret, c.shared_secret)))


def expected_reads(n: int) -> dict[str, int]:
    """The calls a plan of the first n connections must make: one describe each, secrets 20 to a batch,
    and one GetCallerIdentity for the account the plan names (the bench has one target)."""
    referenced = len(unique_secrets(connections(n)))
    return {
        "DescribeConnection": n,
        "BatchGetSecretValue": math.ceil(referenced / 20) + math.ceil(n / 20),
        "GetCallerIdentity": 1,
    }


def spec_yaml(conn: BenchConnection) -> str:
    shared = f"{{{{resolve:secretsmanager:{conn.shared_secret}}}}}"
    headers = (
        "  InvocationHttpParameters:\n"
        "    HeaderParameters:\n"
        f"      - Key: X-Team\n        Value: team-{conn.index % 7}\n"
        f'      - Key: X-Tenant-Token\n        Value: "{shared}"\n        IsValueSecret: true\n'
    )
    if conn.oauth:
        auth = (
            "  OAuthParameters:\n"
            "    AuthorizationEndpoint: https://auth.example.com/oauth2/token\n"
            "    HttpMethod: POST\n"
            "    ClientParameters:\n"
            f"      ClientID: client-{conn.index}\n"
            f'      ClientSecret: "{{{{resolve:secretsmanager:{conn.own_secret}:SecretString:client_secret}}}}"\n'
            "    OAuthHttpParameters:\n"
            "      BodyParameters:\n"
            "        - Key: scope\n          Value: events.write\n"
        )
        kind = "OAUTH_CLIENT_CREDENTIALS"
    else:
        auth = (
            "  ApiKeyAuthParameters:\n"
            "    ApiKeyName: x-api-key\n"
            f'    ApiKeyValue: "{{{{resolve:secretsmanager:{conn.own_secret}}}}}"\n'
        )
        kind = "API_KEY"
    return (
        f"Name: {conn.name}\nDescription: {conn.description}\nAuthorizationType: "
        f"{kind}\nAuthParameters:\n{auth}{headers}"
    )


def write_specs(folder: Path, n: int) -> Path:
    """The first n connections' specs, one file each, in `folder` (emptied first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for conn in connections(n):
        (folder / f"{conn.name}.yaml").write_text(spec_yaml(conn), encoding="utf-8")
    return folder


def client(service: str, endpoint: str, region: str = REGION, **config: Any) -> Any:
    """A client for the emulator with explicit endpoint and dummy credentials: no environment needed."""
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name=region)
    return session.client(service, endpoint_url=endpoint, config=Config(**config) if config else None)


def create_request(conn: BenchConnection, drift_all: bool = False) -> dict[str, Any]:
    """What the live connection was created with: the spec's values, an old Description when drifted."""
    own = secret_value(conn.own_secret)
    headers = [
        {"Key": "X-Team", "Value": f"team-{conn.index % 7}", "IsValueSecret": False},
        {"Key": "X-Tenant-Token", "Value": secret_value(conn.shared_secret), "IsValueSecret": True},
    ]
    auth: dict[str, Any] = {"InvocationHttpParameters": {"HeaderParameters": headers}}
    if conn.oauth:
        auth["OAuthParameters"] = {
            "AuthorizationEndpoint": "https://auth.example.com/oauth2/token",
            "HttpMethod": "POST",
            "ClientParameters": {"ClientID": f"client-{conn.index}", "ClientSecret": json.loads(own)["client_secret"]},
            "OAuthHttpParameters": {
                "BodyParameters": [{"Key": "scope", "Value": "events.write", "IsValueSecret": False}]
            },
        }
    else:
        auth["ApiKeyAuthParameters"] = {"ApiKeyName": "x-api-key", "ApiKeyValue": own}
    description = f"Old description {conn.index}" if conn.drifted or drift_all else conn.description
    kind = "OAUTH_CLIENT_CREDENTIALS" if conn.oauth else "API_KEY"
    return {"Name": conn.name, "Description": description, "AuthorizationType": kind, "AuthParameters": auth}


def seed(endpoint: str, n: int, region: str = REGION, drift_all: bool = False) -> None:
    """Create the first n connections and their secrets in `region` (run with latency 0 and no request
    quota: this is setup, not measured). `drift_all`: every connection's Description is old."""
    conns = connections(n)
    secrets = client("secretsmanager", endpoint, region, max_pool_connections=SEED_THREADS)
    events = client("events", endpoint, region, max_pool_connections=SEED_THREADS)
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(lambda s: secrets.create_secret(Name=s, SecretString=secret_value(s)), unique_secrets(conns)))
        list(pool.map(lambda c: events.create_connection(**create_request(c, drift_all)), conns))
