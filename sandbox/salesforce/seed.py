"""The org's starting state: the Organization, the Integration User, Users for technicians, the Pricebook."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

FALLBACK_TECHNICIANS = [
    {"id": 1, "firstName": "Ana", "lastName": "Ruiz", "email": "ana.ruiz@example.com", "active": True},
    {"id": 2, "firstName": "Ben", "lastName": "Okafor", "email": "Ben.Okafor@example.com", "active": True},
    {"id": 3, "firstName": "Chen", "lastName": "Li", "email": " chen.li@example.com ", "active": True},
    {"id": 4, "firstName": "Dana", "lastName": "Kowalski", "email": "dana.k@example.com", "active": False},
    {"id": 5, "firstName": "Eli", "lastName": "Haddad", "email": "eli.haddad@example.com", "active": True},
]
USER_DEFAULTS = {
    "TimeZoneSidKey": "America/Los_Angeles",
    "LocaleSidKey": "en_US",
    "EmailEncodingKey": "UTF-8",
    "LanguageLocaleKey": "en_US",
}


def technicians(seed: int, scale: str) -> list[dict]:
    """The simulator's technicians for (seed, scale), or a small built-in list when it is not available."""
    try:
        from sandbox.dispatch_pro.generator import technicians as generate
    except ImportError:
        return FALLBACK_TECHNICIANS
    try:
        return list(generate(seed, scale))
    except Exception:  # noqa: BLE001 - a half-built simulator must not stop the org from starting
        return FALLBACK_TECHNICIANS


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


def seed_org(org: Org, seed: int, scale: str) -> None:
    """Write the starting records (idempotent only on an empty store)."""
    profile = org.registry.get("Profile")
    profile_id = None
    if profile is not None:
        profile_id = org.writer("Profile").insert([{}], extra=[{"Name": "System Administrator"}])[0].id
    org.profile_id = profile_id
    user_obj = org.registry.get("User")
    org.user_id = org.new_id(user_obj.key_prefix, 1)  # the first User created is the session's user
    admin = org.writer("User").insert(
        [{}], extra=[_user_values(org, "Integration", "User", "integration@dp2sf.sandbox", True, 0)]
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
            [{}], extra=[{k: v for k, v in values.items() if organization.field(k)}]
        )
    rng = random.Random(seed)
    extras = []
    for n, tech in enumerate(technicians(seed, scale), start=1):
        email = str(tech.get("email") or "").strip()
        roll = rng.random()
        if not email or roll < 0.15:
            continue  # no User for this technician
        if roll < 0.25:
            local, _, domain = email.partition("@")
            email = f"{local.upper()}@{domain}" if local != local.upper() else f"{local.lower()}@{domain}"
        first = str(tech.get("firstName") or str(tech.get("name") or "Tech").split(" ")[0])
        last = str(tech.get("lastName") or tech.get("name") or f"Technician {n}")
        extras.append(_user_values(org, first, last, email, bool(tech.get("active", True)), n))
    if extras:
        results = org.writer("User").insert([{} for _ in extras], extra=extras)
        failed = [r.error for r in results if r.error]
        if failed:
            raise RuntimeError(f"could not create technician Users: {failed[0]}")
    pricebook = org.registry.get("Pricebook2")
    if pricebook is not None:
        values = {"Name": "Standard Price Book", "IsStandard": 1, "IsActive": 1}
        org.writer("Pricebook2").insert([{}], extra=[{k: v for k, v in values.items() if pricebook.field(k)}])
