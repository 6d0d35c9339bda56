"""Salesforce-shaped errors: ``[{"message", "errorCode", "fields"}]`` with an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RecordError(Exception):
    """One record-level error (a row of a bulk job, an item of a composite request)."""

    code: str
    message: str
    fields: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # more keys of the error (DUPLICATES_DETECTED: duplicateResult)

    def as_json(self) -> dict:
        return {**self.extra, "statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def as_bulk(self) -> str:
        """The ``sf__Error`` text: ``CODE:message:field1,field2 --``."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"


class SFError(Exception):
    """A request-level error answered as Salesforce's JSON error array."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None, extra: dict | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.fields = status, code, message, fields or []
        self.extra = extra or {}

    def body(self) -> list[dict]:
        return [{**self.extra, "message": self.message, "errorCode": self.code, "fields": self.fields}]

    @classmethod
    def from_record(cls, err: RecordError, status: int = 400) -> SFError:
        return cls(status, err.code, err.message, err.fields, err.extra)


def not_found() -> SFError:
    return SFError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_type(name: str) -> SFError:
    return SFError(
        404,
        "NOT_FOUND",
        f"The requested resource does not exist: sObject type '{name}' is not supported.",
    )
