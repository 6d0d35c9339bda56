"""The pre-scan's duplicate customers scored in bulk (``rapidfuzz.process.cpdist``) give the rows, scores and
order of the plain definition: every pair sharing a block, ``pair_score`` per pair, first block first."""

from __future__ import annotations

import random

import duckdb
import pandas as pd

from expectations.prescan import FUZZY_THRESHOLD, _customers, duplicates, pair_score


def _customers_db(n: int, seed: int) -> duckdb.DuckDBPyConnection:
    """Customers that collide on zip, phone, email and first name, with NULL and empty values."""
    rnd = random.Random(seed)
    firsts = ["John", "Mary", "Ann", "Bob", "José", "", None]
    lasts = ["Smith", "Smyth", "Jones", "O'Neil"]
    rows = []
    for i in range(n):
        first = rnd.choice(firsts)
        name = None if first is None else f"{first} {rnd.choice(lasts)}{rnd.choice(['', ' Inc.'])}"
        phone = rnd.choice([None, "", f"(555) 01{rnd.randint(0, 20):02d}", "12345"])
        email = rnd.choice([None, "", f"a{rnd.randint(0, 9)}@x.com", " A1@X.com "])
        street = rnd.choice([None, "", "1 Main St", "1 Main Street", "22 Oak Ave"])
        rows.append((i * 3 + 1, name, phone, email, street, rnd.choice([None, "", "10001", "94110"])))
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_customers_classified (customer_id bigint, customer_name varchar, "
        "first_phone varchar, first_email varchar, street varchar, zip varchar)"
    )
    con.executemany("insert into intermediate.int_customers_classified values (?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "create table intermediate.int_customer_duplicates as select customer_id, customer_id % 11 as "
        "duplicate_group from intermediate.int_customers_classified where customer_id % 5 = 1"
    )
    return con


def _reference(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The definition, one pair at a time (the pre-scan's code before it was vectorised)."""
    df = _customers(con).set_index("customer_id", drop=False)
    rows, seen = [], set()
    for _, ids in con.execute(
        "select duplicate_group, list(customer_id order by customer_id) from "
        "intermediate.int_customer_duplicates group by 1"
    ).fetchall():
        for other in ids[1:]:
            seen.add((ids[0], other))
            rows.append((ids[0], other, "exact", 100.0))
    blocks: dict[str, list[int]] = {}
    for c in df.itertuples():
        keys = [
            f"z:{c.zip}" if c.zip else None,
            f"p:{c.n_phone}" if len(c.n_phone) >= 7 else None,
            f"e:{c.n_email}" if c.n_email else None,
            f"n:{c.n_name.split(' ')[0]}" if c.n_name else None,
        ]
        for k in filter(None, keys):
            blocks.setdefault(k, []).append(c.customer_id)
    for members in blocks.values():
        if 2 <= len(members) <= 2000:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair not in seen:
                        seen.add(pair)
                        score = pair_score(df.loc[pair[0]], df.loc[pair[1]])
                        if score >= FUZZY_THRESHOLD:
                            rows.append((*pair, "fuzzy", score))
    out = pd.DataFrame(rows, columns=["keep_customer_id", "merge_customer_id", "kind", "score"])
    out = out.sort_values(["kind", "score"], ascending=[True, False])
    return list(out.itertuples(index=False, name=None))


def test_bulk_scores_give_the_pairs_scores_and_order_of_the_definition() -> None:
    con = _customers_db(600, seed=7)
    got = duplicates(con)
    expected = _reference(con)
    assert sum(1 for r in expected if r[2] == "fuzzy") > 20  # the data does reach the fuzzy threshold
    assert (
        list(
            got[["keep_customer_id", "merge_customer_id", "kind", "score"]].itertuples(index=False, name=None)
        )
        == expected
    )
    assert got["suggestion"].str.startswith("merge customer:").all()
