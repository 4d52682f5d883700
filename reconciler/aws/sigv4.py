"""Signature Version 4 for one shape of request: a POST of a JSON body to "/".

That is every AWS JSON-protocol call, and all that the fast read path (jsonreads.py)
sends. botocore's SigV4Auth handles every shape, and costs about four times as much
per request; tests/test_jsonreads.py checks this one signs byte for byte as
botocore's does. Algorithm: AWS General Reference, "Create a signed AWS API request"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import datetime, timezone
from typing import NamedTuple


class Credentials(NamedTuple):
    access_key: str
    secret_key: str
    token: str | None


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class Signer:
    """Signs JSON POSTs for one host, service and region; the day's signing key is cached."""

    def __init__(self, host: str, service: str, region: str) -> None:
        self._host = host
        self._service = service
        self._region = region
        self._lock = threading.Lock()
        self._key: tuple[str, str, bytes] = ("", "", b"")  # (day, secret key, signing key)

    def _signing_key(self, day: str, secret_key: str) -> bytes:
        with self._lock:
            if self._key[:2] == (day, secret_key):
                return self._key[2]
        key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), self._region), self._service), "aws4_request")
        with self._lock:
            self._key = (day, secret_key, key)
        return key

    def headers(self, credentials: Credentials, target: str, content_type: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
        """The headers of a signed `POST /` with this body: send them all, as they are."""
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        day = stamp[:8]
        headers = {"content-type": content_type, "host": self._host, "x-amz-date": stamp, "x-amz-target": target}
        if credentials.token:
            headers["x-amz-security-token"] = credentials.token
        names = sorted(headers)
        signed = ";".join(names)
        canonical = "\n".join(
            ["POST", "/", "", *(f"{n}:{headers[n]}" for n in names), "", signed, hashlib.sha256(body).hexdigest()]
        )
        scope = f"{day}/{self._region}/{self._service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new(self._signing_key(day, credentials.secret_key), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
        )
        return headers
