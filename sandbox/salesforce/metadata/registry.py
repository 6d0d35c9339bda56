"""The org's schema: every sObject by name and key prefix, describe payloads, deploys, persistence."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict
from dataclasses import fields as dataclass_fields
from typing import Any

from . import describe as _describe
from .deploy import run_deploy
from .model import DeployResult, FieldDef, ObjectDef, PicklistValue
from .standard import standard_objects

FORMAT_VERSION = 1


class Registry:
    """All sObjects of one org. Lookups by name and key prefix are case-insensitive and O(1)."""

    def __init__(self, objects: dict[str, ObjectDef] | None = None, next_custom_prefix: int = 0):
        self._objects: dict[str, ObjectDef] = {}
        self.next_custom_prefix = next_custom_prefix
        self._set_objects(objects or {})

    def _set_objects(self, objects: dict[str, ObjectDef]) -> None:
        self._objects = dict(objects)
        self._by_lower = {k.lower(): o for k, o in self._objects.items()}
        self._by_prefix = {o.key_prefix: o for o in self._objects.values()}

    @classmethod
    def standard(cls) -> Registry:
        """A fresh registry holding the standard objects only."""
        return cls(standard_objects())

    # --- lookups ------------------------------------------------------------------------------
    def get(self, name: str) -> ObjectDef | None:
        """The object with this API name, case-insensitive."""
        return self._by_lower.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._by_lower

    def names(self) -> list[str]:
        """Every object's API name, sorted."""
        return sorted(self._objects)

    def objects(self) -> list[ObjectDef]:
        """Every ObjectDef, sorted by name."""
        return [self._objects[n] for n in self.names()]

    def by_key_prefix(self, prefix: str) -> ObjectDef | None:
        """The object whose ids start with ``prefix`` (the first 3 characters of an id also work)."""
        return self._by_prefix.get(prefix[:3])

    def child_relationships(self, name: str) -> list[dict]:
        """describe's childRelationships for ``name``: every lookup from any object to it."""
        obj = self.get(name)
        if obj is None:
            raise KeyError(f"unknown sObject {name!r}")
        return _describe.child_relationships(obj.name, self._objects.values())

    # --- describe -----------------------------------------------------------------------------
    def describe_sobject(self, name: str, api_version: str = _describe.DEFAULT_API_VERSION) -> dict:
        """The full ``/sobjects/{name}/describe`` body; KeyError for an unknown object."""
        obj = self.get(name)
        if obj is None:
            raise KeyError(f"unknown sObject {name!r}")
        return _describe.sobject_describe(obj, self.child_relationships(obj.name), api_version)

    def describe_global(self, api_version: str = _describe.DEFAULT_API_VERSION) -> dict:
        """The ``/sobjects`` body: encoding, maxBatchSize and one entry per object."""
        return _describe.global_describe(self._objects.values(), api_version)

    # --- deploy -------------------------------------------------------------------------------
    def deploy(self, files: dict[str, str]) -> DeployResult:
        """Apply sfdx source-format files (path -> XML); all or nothing, like a Salesforce deploy."""
        if not isinstance(files, dict):
            raise TypeError("deploy expects a dict of path -> XML text")
        result, state = run_deploy(self._objects, self.next_custom_prefix, files)
        if result.success:
            self._set_objects(state.objects)
            self.next_custom_prefix = state.next_prefix
        return result

    # --- persistence --------------------------------------------------------------------------
    def to_json(self) -> str:
        """The whole schema as JSON (``from_json`` reads it back)."""
        payload = {
            "format": FORMAT_VERSION,
            "next_custom_prefix": self.next_custom_prefix,
            "objects": [_object_to_dict(o) for o in self._objects.values()],
        }
        return json.dumps(payload, sort_keys=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, s: str) -> Registry:
        """A registry from ``to_json`` output; ValueError naming the problem if it is not one."""
        try:
            payload = json.loads(s)
            if payload.get("format") != FORMAT_VERSION:
                raise ValueError(f"unsupported registry format {payload.get('format')!r}")
            objects = [_object_from_dict(o) for o in payload["objects"]]
            return cls({o.name: o for o in objects}, int(payload["next_custom_prefix"]))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a saved metadata registry: {exc}") from None


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclass_fields(cls):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
    return out


_FIELD_DEFAULTS = _defaults(FieldDef)


def _field_to_dict(f: FieldDef) -> dict[str, Any]:
    """A field as a dict without the attributes that hold their default (keeps the state file small)."""
    return {k: v for k, v in asdict(f).items() if k not in _FIELD_DEFAULTS or _FIELD_DEFAULTS[k] != v}


def _object_to_dict(o: ObjectDef) -> dict[str, Any]:
    d = {f.name: getattr(o, f.name) for f in dataclass_fields(o) if f.name != "fields"}
    d["fields"] = [_field_to_dict(f) for f in o.fields.values()]
    return d


def _object_from_dict(d: dict[str, Any]) -> ObjectDef:
    fields = {}
    for f in d["fields"]:
        values = [PicklistValue(**p) for p in f.get("picklist_values", [])]
        fields[f["name"]] = FieldDef(**{**f, "picklist_values": values})
    return ObjectDef(**{**d, "fields": fields})
