"""EventBridge's service model as bundled with botocore: the one place constraints come from."""

from __future__ import annotations

import functools
from typing import Any

from botocore.model import ServiceModel, Shape, StructureShape


@functools.cache
def events_model() -> ServiceModel:
    # Loaded lazily and once: parsing the JSON model costs tens of milliseconds.
    from botocore.loaders import Loader

    return ServiceModel(Loader().load_service_model("events", "service-2"), service_name="events")


def shape(name: str) -> Shape:
    return events_model().shape_for(name)


def input_shape(operation: str) -> StructureShape:
    found = events_model().operation_model(operation).input_shape
    assert isinstance(found, StructureShape), operation
    return found


def project(value: Any, onto: Shape) -> Any:
    """Keep only what `onto` has members for, recursively.

    Used to give a response exactly the members its model shape has, which is
    how AWS withholds secrets: DescribeConnection's response shapes have no
    Password, ApiKeyValue or ClientSecret member (botocore model
    events/2015-10-07, ConnectionAuthResponseParameters and friends).
    """
    if isinstance(onto, StructureShape) and isinstance(value, dict):
        return {key: project(item, onto.members[key]) for key, item in value.items() if key in onto.members}
    member = getattr(onto, "member", None)
    if member is not None and isinstance(value, list):
        return [project(item, member) for item in value]
    return value
