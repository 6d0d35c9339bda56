"""The org's starting state: the Organization, the Integration User, Users for technicians, the Pricebook.

The technicians are handed in by the caller (``sandbox.control`` passes the simulator's technicians for the
same seed and scale; ``python -m sandbox.salesforce --technicians FILE``); with none, the org has no
technician Users. Every seed row is stamped with the org's creation time, so a reset re-creates identical
rows (same ids, same CreatedDate).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

USER_DEFAULTS = {
    "TimeZoneSidKey": "America/Los_Angeles",
    "LocaleSidKey": "en_US",
    "EmailEncodingKey": "UTF-8",
    "LanguageLocaleKey": "en_US",
}


def _user_values(org: Org, first: str, last: str, email: str, active: bool, n: int) -> dict[str, Any]:
    obj = org.registry.get("User")
    values = {
        "FirstName": first,
        "LastName": last,
        "Email": email,
        "Username": f"{email.split('@')[0].lower()}.{n}@dp2sf.sandbox",
        "Alias": (first[:1] + last)[:8].lower() or f"u{n}",
        "IsActive": int(active),
        **USER_DEFAULTS,
        "ProfileId": org.profile_id,
    }
    return {k: v for k, v in values.items() if obj.field(k) is not None}


def seed_org(org: Org, seed: int, technicians: list[dict], created_at: str) -> None:
    """Write the starting records (only on an empty store), all created at ``created_at``."""
    stamp = {
        "CreatedDate": created_at,
        "LastModifiedDate": created_at,
        "SystemModstamp": created_at,
    }

    def stamped(obj_name: str, values: dict[str, Any]) -> dict[str, Any]:
        obj = org.registry.get(obj_name)
        return {**values, **{k: v for k, v in stamp.items() if obj.field(k) is not None}}

    profile = org.registry.get("Profile")
    profile_id = None
    if profile is not None:
        profile_id = (
            org.writer("Profile")
            .insert([{}], extra=[stamped("Profile", {"Name": "System Administrator"})])[0]
            .id
        )
    org.profile_id = profile_id
    user_obj = org.registry.get("User")
    org.user_id = org.new_id(user_obj.key_prefix, 1)  # the first User created is the session's user
    admin = org.writer("User").insert(
        [{}],
        extra=[
            stamped("User", _user_values(org, "Integration", "User", "integration@dp2sf.sandbox", True, 0))
        ],
    )[0]
    if admin.error:
        raise RuntimeError(f"could not create the Integration User: {admin.error}")
    org.user_id = admin.id
    org.store.set_meta("user_id", admin.id)
    organization = org.registry.get("Organization")
    if organization is not None:
        values = {
            "Name": "Dispatch Pro Sandbox Org",
            "DefaultLocaleSidKey": "en_US",
            "TimeZoneSidKey": "America/Los_Angeles",
            "OrganizationType": "Enterprise Edition",
            "IsSandbox": 1,
            "LanguageLocaleKey": "en_US",
        }
        org.writer("Organization").insert(
            [{}], extra=[stamped("Organization", {k: v for k, v in values.items() if organization.field(k)})]
        )
    rng = random.Random(seed)
    extras = []
    for n, tech in enumerate(technicians, start=1):
        email = str(tech.get("email") or "").strip()
        roll = rng.random()
        if not email or roll < 0.15:
            continue  # no User for this technician
        if roll < 0.25:
            local, _, domain = email.partition("@")
            email = f"{local.upper()}@{domain}" if local != local.upper() else f"{local.lower()}@{domain}"
        first = str(tech.get("firstName") or str(tech.get("name") or "Tech").split(" ")[0])
        last = str(tech.get("lastName") or tech.get("name") or f"Technician {n}")
        extras.append(
            stamped("User", _user_values(org, first, last, email, bool(tech.get("active", True)), n))
        )
    if extras:
        results = org.writer("User").insert([{} for _ in extras], extra=extras)
        failed = [r.error for r in results if r.error]
        if failed:
            raise RuntimeError(f"could not create technician Users: {failed[0]}")
    pricebook = org.registry.get("Pricebook2")
    if pricebook is not None:
        values = {"Name": "Standard Price Book", "IsStandard": 1, "IsActive": 1}
        org.writer("Pricebook2").insert(
            [{}], extra=[stamped("Pricebook2", {k: v for k, v in values.items() if pricebook.field(k)})]
        )
