"""The setup objects of the org (``setup_objects.yaml``): data-API ones join the org's registry,
Tooling-API ones form a registry of their own that ``tooling.py`` queries."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from sandbox.salesforce.metadata import Registry
from sandbox.salesforce.metadata.ids import BASE62
from sandbox.salesforce.metadata.model import ObjectDef
from sandbox.salesforce.metadata.standard import object_from_spec

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

# CustomObject ids: TableEnumOrId and EntityDefinition.DurableId of custom objects
CUSTOM_OBJECT_PREFIX = "01I"


@cache
def _spec() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("setup_objects.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def data_objects() -> dict[str, ObjectDef]:
    """Fresh ObjectDefs of the data-API setup objects (RecordType, DuplicateRule, ApexTrigger, ...)."""
    return {name: object_from_spec(name, spec) for name, spec in _spec()["data"].items()}


def tooling_objects() -> dict[str, ObjectDef]:
    """Fresh ObjectDefs of the Tooling-API objects (ValidationRule, WorkflowRule, Flow, ...)."""
    return {name: object_from_spec(name, spec) for name, spec in _spec()["tooling"].items()}


def install(registry: Registry) -> Registry:
    """A registry holding ``registry``'s objects plus the data-API setup objects it lacks."""
    objects = {o.name: o for o in registry.objects()}
    for name, obj in data_objects().items():
        objects.setdefault(name, obj)
    return Registry(objects, registry.next_custom_prefix)


def missing_from(registry: Registry) -> list[str]:
    """Data-API setup objects a (saved, older) registry does not hold yet."""
    return [name for name in _spec()["data"] if registry.get(name) is None]


def upgrade(org: Org) -> None:
    """An org saved before the setup objects existed gains them (tables too)."""
    missing = missing_from(org.registry)
    if missing:
        org.registry = install(org.registry)
        for name in missing:
            org.store.ensure_table(org.registry.get(name))
        org.save_registry()


def stable_id(prefix: str, key: str, length: int = 18) -> str:
    """A deterministic id for a component the org does not store as a row (a validation rule, a custom
    object's definition): the same key gives the same id across restarts and resets."""
    from sandbox.salesforce.metadata.ids import compute_id18

    n = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % (62**10)
    digits = ""
    for _ in range(10):
        n, r = divmod(n, 62)
        digits = BASE62[r] + digits
    id18 = compute_id18(prefix + "6A" + digits)
    return id18[:length]


def entity_id(obj: ObjectDef) -> str:
    """``TableEnumOrId`` / ``EntityDefinitionId``: the API name of a standard object, the 15-character
    CustomObject id of a custom one (Tooling API: "The enum (for example, Account) or ID of the object")."""
    return stable_id(CUSTOM_OBJECT_PREFIX, obj.name, 15) if obj.custom else obj.name
