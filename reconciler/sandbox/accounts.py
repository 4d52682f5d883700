"""Which account a request acts in, decided as moto decides it.

moto 5.2 picks the account of a request in `moto.core.responses.BaseResponse.get_current_account`:
the MOTO_ACCOUNT_ID environment variable, else the `x-moto-account-id` header, else the
account whose IAM backend issued the request's access key (`moto.iam.models.get_account_id_from`),
else its default account. STS AssumeRole issues the role's keys in the role's account
(`moto.sts.models.STSBackend._create_access_key`), so a role in 111111111111 acts there,
as on AWS; keys no account issued (the base credentials of tests and the sandbox) act in
the emulator's default account. The corrections keep their state in that account's moto
backends, and the emulator hands moto the same account in the header, so both agree.
"""

from __future__ import annotations

import os
import re

from reconciler.sandbox.wire import Environ

DEFAULT_ACCOUNT = "123456789012"  # moto.core.models.DEFAULT_ACCOUNT_ID
HEADER = "HTTP_X_MOTO_ACCOUNT_ID"  # the WSGI spelling of x-moto-account-id
# moto's BaseResponse.access_key_regex: the key id in a SigV4 Authorization header.
_ACCESS_KEY = re.compile(r"AWS.*(?P<access_key>(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]))[:/]")


def access_key(environ: Environ) -> str:
    """The access key id the request was signed with ("" when none moto would recognise)."""
    match = _ACCESS_KEY.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return match.group("access_key") if match else ""


def request_account(environ: Environ, default: str = DEFAULT_ACCOUNT) -> str:
    """The account this request acts in (see the module docstring); `default` for keys no account issued."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get(HEADER)
    if header:
        return str(header)
    key = access_key(environ)
    return issuing_account(key) or default if key else default


def issuing_account(key: str) -> str | None:
    """The account whose IAM backend issued `key` (an assumed role's, or an IAM user's), else None."""
    from moto.iam.models import iam_backends

    # moto.iam.models.get_account_id_from, with two differences: no fallback to moto's default
    # account (the emulator's own default applies), and only the partitions' backends that
    # exist are looked in, where moto's `account[partition]` builds every missing one (an IAM
    # backend loads AWS's managed policies) though a new backend has no keys. list(): other
    # threads may add accounts meanwhile (moto issue #5881, as moto does).
    for account_id, account in list(iam_backends.items()):
        for backend in list(dict.values(account)):
            if key in backend.access_keys:
                return str(account_id)
    return None
