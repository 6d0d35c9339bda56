"""Small pools of names, streets, cities and sentences per seed, made once with a seeded Faker.

Record builders pick from these pools with a per-record PRNG, so no Faker call happens per record.
The pools deliberately include unicode, apostrophes, ampersands and HTML-significant characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

UNICODE_FIRST = ["Zoë", "José", "Søren", "Łukasz", "Ngọc", "Aoife", "François", "Ümit", "Björn", "Chloé"]
UNICODE_LAST = ["Müller", "Nguyễn", "O'Brien", "D'Angelo", "Ørsted", "García-Márquez", "Kowalczyk", "Żak"]
ODD_COMPANIES = [
    "Smith & Sons <Plumbing>",
    "Café Élan LLC",
    '"Best" HVAC Co.',
    "Ørsted & Søn Property Mgmt",
    "A&B Facilities <b>Group</b>",
    "東京 Sushi House",
]
TECH_NOTES = [
    "Replaced capacitor on condenser unit; system cooling normally.",
    "Customer reports intermittent no-heat overnight 🔥.",
    "Found leak at P-trap under kitchen sink, resealed & tested ✅.",
    "Breaker trips when dryer and AC run together — recommend panel upgrade.",
    "Gate code changed; call ahead. Dog on premises (friendly).",
    "Filter was 6 months overdue; advised quarterly changes.",
    "Thermostat wiring loose at C terminal, re-terminated.",
    "Water heater anode rod heavily corroded; quoted replacement.",
    "Ductwork in attic disconnected at elbow, re-taped with foil tape.",
    "Unit is <i>R-22</i>; discussed replacement options & financing.",
]


@dataclass(frozen=True)
class Pools:
    """Per-seed value pools (tuples so they are hashable and immutable)."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    companies: tuple[str, ...]
    streets: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]  # (city, state, zip)
    sentences: tuple[str, ...]
    domains: tuple[str, ...]


@lru_cache(maxsize=8)
def pools_for(seed: int) -> Pools:
    """Build (once per seed) the pools every record builder draws from."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = [fake.first_name() for _ in range(300)] + UNICODE_FIRST
    last = [fake.last_name() for _ in range(300)] + UNICODE_LAST
    companies = [fake.company() for _ in range(200)] + ODD_COMPANIES
    streets = [fake.street_address() for _ in range(500)]
    places = [(fake.city(), fake.state_abbr(), fake.zipcode()) for _ in range(120)]
    sentences = [fake.sentence(nb_words=12) for _ in range(200)] + TECH_NOTES
    domains = [fake.free_email_domain() for _ in range(6)] + [fake.domain_name() for _ in range(20)]
    return Pools(
        first_names=tuple(first),
        last_names=tuple(last),
        companies=tuple(companies),
        streets=tuple(streets),
        places=tuple(places),
        sentences=tuple(sentences),
        domains=tuple(domains),
    )
