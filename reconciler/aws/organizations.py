"""The ACTIVE accounts of AWS Organizations units, for reconcile.yaml's `organizational_units`.

Read from the management account or a delegated administrator account (Organizations
answers ListChildren and ListAccountsForParent only there): with the run's own
credentials, or the config's `organizations_role_arn` assumed with them. Each unit is
walked with ListChildren (ChildType ORGANIZATIONAL_UNIT) down to its deepest child unit
and ListAccountsForParent in each; both are paginated (at most 20 a page, Organizations
API reference) and neither has a botocore waiter or quirk that needs more. Reads use the
project's read configuration (standard retries, timeouts: aws/clients.py), and
Organizations' TooManyRequestsException is one of the throttling errors standard mode
retries. Least privilege: iam/organizations-read-policy.json.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.clients import READ_ATTEMPTS, AwsOptions, _timeouts, client_config, target_session
from reconciler.aws.errors import NO_CREDENTIALS, error_code
from reconciler.config_expand import UnitError
from reconciler.errors import ReconcileError

log = logging.getLogger(__name__)

PAGE_SIZE = 20  # the most ListChildren and ListAccountsForParent return a page (MaxResults 1-20)
MAX_PAGES = 500  # per listing: 10,000 accounts or child units of one parent, beyond any organization's quota
MAX_UNITS = 1000  # units walked per organizational unit given (Organizations allows at most 5 levels below the root)
FALLBACK_REGION = "us-east-1"  # Organizations' endpoint for the aws partition, for a profile with no region
ACTIVE = "ACTIVE"

# Why a unit can't be read, by error code (Organizations API reference, Errors of each action).
_REASONS = {
    "ParentNotFoundException": "no such organizational unit in the organization",
    "AccessDeniedException": "access denied: needs organizations:ListChildren and "
    "organizations:ListAccountsForParent from the management or a delegated administrator account "
    "(iam/organizations-read-policy.json; organizations_role_arn in reconcile.yaml names a role there)",
    "AWSOrganizationsNotInUseException": "these credentials' account is not in an organization",
    "InvalidInputException": "not a valid organizational unit id",
}


def read_units(units: Sequence[str], role_arn: str | None, *, profile: str | None = None) -> Mapping[str, list[str]]:
    """The ACTIVE accounts of each unit and its child units, in the order Organizations lists them."""
    session = target_session(AwsOptions(target="organizations", profile=profile, role_arn=role_arn))
    if session.get_credentials() is None:
        raise ReconcileError(NO_CREDENTIALS)
    config = client_config(10, READ_ATTEMPTS, _timeouts())
    client = session.client("organizations", region_name=session.region_name or FALLBACK_REGION, config=config)
    return {unit: _accounts(client, unit) for unit in units}


def _accounts(client: Any, unit: str) -> list[str]:
    accounts: list[str] = []
    queue, seen = [unit], {unit}
    try:
        while queue:
            parent = queue.pop(0)
            for account in _pages(client, "list_accounts_for_parent", "Accounts", unit, ParentId=parent):
                # State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED...) replaces the older Status; either may be given.
                if account.get("State", account.get("Status")) == ACTIVE and account["Id"] not in accounts:
                    accounts.append(str(account["Id"]))
            children = _pages(
                client, "list_children", "Children", unit, ParentId=parent, ChildType="ORGANIZATIONAL_UNIT"
            )
            for child in children:
                if child["Id"] not in seen:
                    seen.add(child["Id"])
                    queue.append(child["Id"])
            if len(seen) > MAX_UNITS:
                raise UnitError(unit, f"holds more than {MAX_UNITS} organizational units; reconcile stops there")
    except ClientError as exc:
        code = error_code(exc)
        raise UnitError(unit, f"can't be read: {_REASONS.get(code, code)}") from None
    log.info("organizational unit %s: %d active account(s) in %d unit(s)", unit, len(accounts), len(seen))
    return accounts


def _pages(client: Any, operation: str, key: str, unit: str, **params: Any) -> Iterator[dict[str, Any]]:
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = getattr(client, operation)(**params, MaxResults=PAGE_SIZE, **({"NextToken": token} if token else {}))
        yield from page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return
    raise UnitError(
        unit, f"{operation} gave more than {MAX_PAGES} pages for {params['ParentId']}; reconcile stops there"
    )
