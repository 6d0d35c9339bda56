"""The org shape a build is for: residential customers as Person Accounts or as Contacts (issue 20 §3).

The setting ``person_accounts`` forces it; unset ("auto"), it follows the target org: on where the org's
Account describe shows ``IsPersonAccount`` (``expectations.org.person_accounts_on``). The transform reads no
org, so the roof resolves "auto" before it builds; the sample and the delta rebuild with the shape the
build stamp records.
"""

from __future__ import annotations

from core.settings import Settings


def resolve_person_accounts(settings: Settings) -> tuple[bool, str | None]:
    """(whether to build Person Accounts, a note when the org could not tell and the plain shape is used)."""
    if settings.person_accounts is not None:
        return settings.person_accounts, None
    from expectations.org import OrgReadError, connect_target, describe_objects, person_accounts_on

    try:
        account = describe_objects(connect_target(settings), ["Account"])["Account"]
    except (OrgReadError, OSError) as exc:
        return False, (
            f"the org did not answer ({exc}): residential customers built as Contacts; set "
            "DP2SF_PERSON_ACCOUNTS=true to build Person Accounts"
        )
    return person_accounts_on(settings, account), None
