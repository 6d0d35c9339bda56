"""Metadata layer of the Salesforce sandbox org: standard and custom objects, describe, deploy, ids."""

from .ids import compute_id18, is_valid_id, new_id, to_id18
from .model import DeployResult, FieldDef, ObjectDef, PicklistValue
from .registry import Registry

__all__ = [
    "DeployResult",
    "FieldDef",
    "ObjectDef",
    "PicklistValue",
    "Registry",
    "compute_id18",
    "is_valid_id",
    "new_id",
    "to_id18",
]
