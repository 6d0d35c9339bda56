"""The pre-scan: every decision the data forces on a person before the run, as tables (and CSVs).

Sections (each a function over a read-only DuckDB connection and, where needed, the org):
owner matching (technician email → active User), oversize files, duplicate customers (exact and fuzzy),
incomplete addresses, missing required values, values the gates and quarantine hold back, placeholder
Account children (data skew), storage and API usage against the org's ``/limits`` with an estimated duration,
the org's own automation on the objects we write (``core.org_automation``) and where our duplicate customers
meet an active duplicate rule.
``notebooks/prescan.ipynb`` calls ``collect`` and shows the result; ``report.run_prescan`` renders it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from core.quoting import sql_ident, write_csv
from core.settings import Settings
from core.stamp import built_invoices

KB_PER_RECORD = 2  # Salesforce counts most records as 2 KB of data storage
RECORDS_PER_BATCH = 10_000  # Bulk API 2.0 makes one batch per 10,000 records (counted in DailyBulkApiBatches)
BATCH_TIMEOUT_S = 300  # a batch that is not processed within 5 minutes fails (and is retried)
RECORDS_PER_JOB = 100_000  # assumed loader chunk: one upload per job, well under Bulk 2.0's 150 MB
REQUESTS_PER_JOB = 8  # create, upload, close, ~3 polls, successful + failed results
SKEW_CHILDREN = 10_000  # Salesforce's account data skew threshold
FUZZY_THRESHOLD = 85.0
SECTIONS = (
    "owners",
    "oversize_files",
    "duplicates",
    "incomplete_addresses",
    "missing_required",
    "held_back",
    "flagged_values",
    "placeholder_children",
    "limits",
    "automation",
    "duplicate_rule_conflicts",
)
AUTOMATION_COLUMNS = ["object", "kind", "name", "fires_on", "could_do", "bypass", "detail"]


@dataclass
class Prescan:
    """One DataFrame per section, plus notes (what could not be checked and why)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def write_csvs(self, out_dir: Path) -> dict[str, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in self.tables.items():
            paths[name] = out_dir / f"{name}.csv"
            write_csv(frame, paths[name])
        return paths


def dbt_vars() -> dict:
    from core.fields import DBT_DIR

    return yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text()).get("vars", {})


def _exists(con, schema: str, table: str) -> bool:
    q = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(q, [schema, table]).fetchone()[0] > 0


def squash_email(value: str | None) -> str:
    """Case- and whitespace-insensitive form of an email (tabs and inner spaces too)."""
    return re.sub(r"\s+", "", value or "").lower()


def owners(con, users: list[dict]) -> pd.DataFrame:
    """Each technician → a User: exact, case/whitespace-insensitive, or none with a recommended action."""
    # the email exactly as Dispatch Pro holds it (staging trims whitespace): a person fixes it at the source
    techs = con.execute(
        "select t.technician_id, t.technician_name, r.email as email_raw, t.license_type, t.is_active "
        "from intermediate.int_technicians_resolved t "
        "left join raw_dispatch_pro.technicians r on r.id = t.technician_id order by t.technician_id"
    ).df()
    exact = {u["Email"]: u for u in users}
    loose = {squash_email(u["Email"]): u for u in users}
    rows = []
    for t in techs.itertuples():
        raw = t.email_raw if isinstance(t.email_raw, str) else None
        user, match = exact.get(raw) if raw else None, "exact"
        if user is None and raw:
            user, match = loose.get(squash_email(raw)), "case_whitespace"
        if user is None:
            match = "none"
            if not raw:
                action = "no email in Dispatch Pro: add it, or records go to the fallback owner"
            elif "NonManaged" in str(t.license_type):
                action = "contractor: leave unassigned (fallback owner) or create a limited User"
            elif not t.is_active:
                action = "inactive technician: fallback owner"
            else:
                action = "create the User (or map the email to an existing User)"
        elif match == "case_whitespace":
            action = "matches after normalising case/whitespace: fix the email in Dispatch Pro or accept"
        else:
            action = "none"
        rows.append(
            {
                "technician_id": t.technician_id,
                "technician": t.technician_name,
                "email": raw,
                "active": bool(t.is_active),
                "license": t.license_type,
                "match": match,
                "user_id": user["Id"] if user else None,
                "user_email": user["Email"] if user else None,
                "recommended_action": action,
            }
        )
    return pd.DataFrame(rows)


def oversize_files(con, limit: int, action: str) -> pd.DataFrame:
    """Files over the configured size limit with their job number and the configured action."""
    return con.execute(
        "select cv.Dispatch_Pro_Id__c as file_key, cv.PathOnClient as file_name, "
        "c.Source_Job_Number__c as job_number, cv._first_publish_case_key as case_key, "
        "cv._size_bytes as size_bytes, round(cv._size_bytes / 1048576.0, 1) as size_mb, ? as action "
        "from intermediate.int_content_versions_prepared cv "
        'left join salesforce."Case" c on c.Dispatch_Pro_Id__c = cv._first_publish_case_key '
        "where cv._size_bytes > ? order by cv._size_bytes desc",
        [action, limit],
    ).df()


def _customers(con) -> pd.DataFrame:
    df = con.execute(
        "select customer_id, customer_name, first_phone, first_email, street, zip "
        "from intermediate.int_customers_classified"
    ).df()
    df["n_name"] = df["customer_name"].fillna("").str.lower().str.replace(r"[^a-z0-9 ]", " ", regex=True)
    df["n_name"] = df["n_name"].str.split().str.join(" ")
    df["n_phone"] = df["first_phone"].fillna("").str.replace(r"\D", "", regex=True).str[-10:]
    df["n_email"] = df["first_email"].fillna("").map(squash_email)
    df["n_addr"] = (
        (df["street"].fillna("") + " " + df["zip"].fillna("")).str.lower().str.split().str.join(" ")
    )
    return df


def pair_score(a, b) -> float:
    """Similarity of two customers 0..100: name 50%, address 30%, phone 10%, email 10%."""
    name = fuzz.token_sort_ratio(a.n_name, b.n_name)
    addr = fuzz.token_sort_ratio(a.n_addr, b.n_addr) if a.n_addr and b.n_addr else 0.0
    phone = 100.0 if a.n_phone and a.n_phone == b.n_phone else 0.0
    email = 100.0 if a.n_email and a.n_email == b.n_email else 0.0
    return round(0.5 * name + 0.3 * addr + 0.1 * phone + 0.1 * email, 1)


BLOCK_MAX = 2000  # a block larger than this (a common zip or first name) is too coarse to compare within
PAIRS_PER_CHUNK = 1_000_000  # candidate pairs scored per rapidfuzz call (bounds the memory at L)
NAME_FLOOR = 2 * (FUZZY_THRESHOLD - 0.1 - 30.0 - 20.0)  # below it address, phone and email cannot lift a pair


def _block_members(df: pd.DataFrame) -> list[np.ndarray]:
    """Row positions per block of 2..BLOCK_MAX members (zip, phone digits, email, first name token), blocks
    in the order their key first appears row by row, members in row order."""
    n = len(df)
    first = df["n_name"].str.split(" ").str[0]
    keys = [
        # a missing zip arrives from DuckDB as NaN, which ``f"z:{c.zip}" if c.zip`` took as the key "z:nan"
        ("z:" + df["zip"].fillna("nan").astype(str)).where(df["zip"].fillna("nan") != ""),
        ("p:" + df["n_phone"]).where(df["n_phone"].str.len() >= 7),
        ("e:" + df["n_email"]).where(df["n_email"] != ""),
        ("n:" + first).where(df["n_name"] != ""),
    ]
    long = pd.DataFrame(
        {
            "pos": np.tile(np.arange(n), len(keys)),
            "slot": np.repeat(np.arange(len(keys)), n),
            "key": pd.concat([k.astype("object") for k in keys], ignore_index=True),
        }
    ).dropna(subset=["key"])
    long = long.sort_values(["pos", "slot"], kind="stable")
    groups = long.groupby("key", sort=False)["pos"]
    sizes = groups.size()
    keep = sizes[(sizes >= 2) & (sizes <= BLOCK_MAX)].index
    long = long[long["key"].isin(keep)]
    return [g.to_numpy() for _, g in long.groupby("key", sort=False)["pos"]]


def _candidate_pairs(blocks: list[np.ndarray]):
    """(a, b) row positions of every pair within a block, block by block, row-major (``i < j``), in chunks."""
    a_parts: list[np.ndarray] = []
    b_parts: list[np.ndarray] = []
    pending = 0
    for members in blocks:
        i, j = np.triu_indices(len(members), 1)
        a_parts.append(members[i])
        b_parts.append(members[j])
        pending += len(i)
        if pending >= PAIRS_PER_CHUNK:
            yield np.concatenate(a_parts), np.concatenate(b_parts)
            a_parts, b_parts, pending = [], [], 0
    if a_parts:
        yield np.concatenate(a_parts), np.concatenate(b_parts)


def _fuzzy_scores(df: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``pair_score`` of each (a, b), vectorised; NaN where the name alone rules the pair out."""
    names = df["n_name"].to_numpy(dtype=object)
    addrs = df["n_addr"].to_numpy(dtype=object)
    phones = df["n_phone"].to_numpy(dtype=object)
    emails = df["n_email"].to_numpy(dtype=object)
    name = cpdist(names[a], names[b], scorer=fuzz.token_sort_ratio, dtype=np.float64)
    out = np.full(len(a), np.nan)
    near = np.flatnonzero(name >= NAME_FLOOR)
    if not len(near):
        return out
    na, nb = a[near], b[near]
    both = (addrs[na] != "") & (addrs[nb] != "")
    addr = np.zeros(len(near))
    if both.any():
        addr[both] = cpdist(addrs[na][both], addrs[nb][both], scorer=fuzz.token_sort_ratio, dtype=np.float64)
    phone = np.where((phones[na] != "") & (phones[na] == phones[nb]), 100.0, 0.0)
    email = np.where((emails[na] != "") & (emails[na] == emails[nb]), 100.0, 0.0)
    out[near] = 0.5 * name[near] + 0.3 * addr + 0.1 * phone + 0.1 * email  # pair_score's order of terms
    return out


def duplicates(con, threshold: float = FUZZY_THRESHOLD) -> pd.DataFrame:
    """Duplicate customer pairs: exact (dbt's match key) and fuzzy (rapidfuzz), with a merge suggestion.

    Fuzzy candidates share a block (zip, phone digits, email or the first name token); each block's pairs
    are scored in bulk by rapidfuzz (``cpdist``), never one pandas row at a time: the same scores as
    ``pair_score``, in the same order, at a cost that grows with the pairs inside blocks, not with rows²."""
    df = _customers(con)
    exact = con.execute(
        "select duplicate_group, list(customer_id order by customer_id) as ids "
        "from intermediate.int_customer_duplicates group by 1"
    ).fetchall()
    rows, seen = [], set()
    for _, ids in exact:
        for other in ids[1:]:
            seen.add((ids[0], other))
            rows.append((ids[0], other, "exact", 100.0))
    ids, id_list = df["customer_id"].to_numpy(), df["customer_id"].tolist()
    for a, b in _candidate_pairs(_block_members(df)):
        lo = np.where(ids[a] <= ids[b], a, b)  # pair_score(min id, max id), as the pair is keyed
        hi = np.where(ids[a] <= ids[b], b, a)
        raw = _fuzzy_scores(df, lo, hi)
        for k in np.flatnonzero(raw >= threshold - 0.1):  # few: the rounding decides, as in pair_score
            score = round(float(raw[k]), 1)
            pair = (id_list[lo[k]], id_list[hi[k]])
            if score >= threshold and pair not in seen:
                seen.add(pair)
                rows.append((*pair, "fuzzy", score))
    names = df.set_index("customer_id")["customer_name"]
    out = pd.DataFrame(rows, columns=["keep_customer_id", "merge_customer_id", "kind", "score"])
    out["keep_name"] = out["keep_customer_id"].map(names)
    out["merge_name"] = out["merge_customer_id"].map(names)
    out["suggestion"] = [
        f"merge customer:{m} into customer:{k} (keeps the older record)"
        for k, m in zip(out["keep_customer_id"], out["merge_customer_id"], strict=True)
    ]
    return out.sort_values(["kind", "score"], ascending=[True, False]).reset_index(drop=True)


def incomplete_addresses(con) -> pd.DataFrame:
    """Accounts, Contacts, Locations whose address lacks street, city, state or postal code (blank counts)."""
    parts = []
    for obj, street, city, state, zipc in (
        ("Account", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode"),
        ("Contact", "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode"),
        ("Location__c", "Street__c", "City__c", "State__c", "Postal_Code__c"),
    ):
        if not _exists(con, "salesforce", obj):
            continue
        cols = {"street": street, "city": city, "state": state, "postal_code": zipc}
        blanks = [f"coalesce(trim(\"{c}\"), '') = ''" for c in cols.values()]
        blank = (
            f"({' or '.join(blanks)}) and not ({' and '.join(blanks)})"  # no address at all is not incomplete
        )
        skip = "not Is_Placeholder__c and " if obj == "Account" else ""
        missing = " || ".join(f"case when \"{c}\" is null or trim(\"{c}\") = '' then '{k} ' else '' end"
                              for k, c in cols.items())  # fmt: skip
        parts.append(
            f"select '{obj}' as object_name, Dispatch_Pro_Id__c as source_key, "
            f'"{street}" as street, "{city}" as city, "{state}" as state, "{zipc}" as postal_code, '
            f'trim({missing}) as missing from salesforce."{obj}" where {skip}({blank})'
        )
    return con.execute(" union all ".join(parts) + " order by 1, 2").df() if parts else pd.DataFrame()


def _gate_rows(con, where: str) -> pd.DataFrame:
    frames = []
    if _exists(con, "quarantine", "quarantine_all"):
        frames.append(
            con.execute(f"select 'dbt quarantine' as held_by, * from quarantine.quarantine_all {where}").df()
        )
    if _exists(con, "gates", "gates_all"):
        frames.append(con.execute(f"select 'org gates' as held_by, * from gates.gates_all {where}").df())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


DECIDE = {
    "no_target_record": "map it: give the value a record that carries it, or declare it not migrated",
    "no_target_field": "map it: a custom field in seeds/custom_fields.csv, or declare it not migrated",
    "unmapped_value": "map it: a row in the value map seed (dp2sf map propose lists one)",
}


def flagged_values(con) -> pd.DataFrame:
    """Every value the build loads without (``quarantine.flagged_values``: the unseeded custom property,
    unmapped values, values that do not convert), with its reason: each blocks the sign-off until a person
    decides (map it, or declare it in ``seeds/not_migrated.csv``); the sample diff shows them ``flagged``."""
    cols = ["object_name", "source_key", "column_name", "rule", "value", "reason", "decide", "blocking"]
    if not _exists(con, "quarantine", "flagged_values"):
        return pd.DataFrame(columns=cols)
    df = con.execute(
        "select object_name, source_key, column_name, rule, value, reason from quarantine.flagged_values "
        "order by object_name, column_name, rule, source_key"
    ).df()
    df["decide"] = df["rule"].map(DECIDE).fillna("fix the source value, or declare it not migrated")
    df["blocking"] = True
    return df[cols]


def placeholder_children(con) -> pd.DataFrame:
    """Contacts and Cases per placeholder Account bucket, against Salesforce's 10,000-children skew line."""
    df = con.execute(
        'with contacts as (select "Account.Dispatch_Pro_Id__c" as bucket, count(*) as contacts '
        "from salesforce.Contact where \"Account.Dispatch_Pro_Id__c\" like 'placeholder:%' group by 1), "
        'cases as (select "Account.Dispatch_Pro_Id__c" as bucket, count(*) as cases '
        'from salesforce."Case" where "Account.Dispatch_Pro_Id__c" like \'placeholder:%\' group by 1) '
        "select coalesce(contacts.bucket, cases.bucket) as bucket, coalesce(contacts, 0) as contacts, "
        "coalesce(cases, 0) as cases from contacts full join cases on contacts.bucket = cases.bucket "
        "order by 1"
    ).df()
    df["children"] = df["contacts"] + df["cases"]
    df["share_of_skew_threshold"] = (df["children"] / SKEW_CHILDREN).round(3)
    df["skewed"] = df["children"] > SKEW_CHILDREN
    return df


def _held_keys(con) -> dict[str, int]:
    """Per object, the distinct source keys the quarantine and the gates hold back (a missing key counts
    once), counted in DuckDB rather than gathered row by row into Python sets."""
    parts = [
        f"select object_name, source_key from {schema}.{name}"
        for schema, name in (("quarantine", "quarantine_all"), ("gates", "gates_all"))
        if _exists(con, schema, name)
    ]
    if not parts:
        return {}
    rows = con.execute(
        "select object_name, count(distinct source_key) + max((source_key is null)::int) "
        f"from ({' union all '.join(parts)}) group by 1"
    ).fetchall()
    return {obj: int(n) for obj, n in rows}


def usage(con, objects: list[str], limits: dict, records_per_second: float) -> tuple[pd.DataFrame, float]:
    """Storage, Bulk batches and API requests the run needs against ``/limits``, and an estimated duration."""
    held = _held_keys(con)
    records = batches = requests = jobs = 0
    for obj in objects:
        if not _exists(con, "salesforce", obj):
            continue
        n = con.execute(f'select count(*) from salesforce."{obj}"').fetchone()[0] - held.get(obj, 0)
        n = max(n, 0)
        if obj == "ContentVersion":
            requests += n  # one multipart REST request per file
            continue
        records += n
        batches += math.ceil(n / RECORDS_PER_BATCH)
        obj_jobs = math.ceil(n / RECORDS_PER_JOB)
        jobs += obj_jobs
        requests += obj_jobs * REQUESTS_PER_JOB
    file_bytes = 0
    if _exists(con, "salesforce", "ContentVersion"):
        file_bytes = con.execute(
            "select coalesce(sum(_size_bytes), 0) from salesforce.ContentVersion"
        ).fetchone()[0]
    needs = {
        "DataStorageMB": records * KB_PER_RECORD / 1024,
        "FileStorageMB": file_bytes / 1048576,
        "DailyBulkApiBatches": batches,
        "DailyApiRequests": requests,
        "BulkV2RecordsIngested": records,
        "Bulk ingest jobs": jobs,  # no daily allowance of its own; one upload per job
    }
    rows = []
    for name, need in needs.items():
        lim = limits.get(name) or {}
        remaining = lim.get("Remaining")
        rows.append(
            {
                "limit": name,
                "run_needs": round(need, 1),
                "org_max": lim.get("Max"),
                "org_remaining": remaining,
                "share_of_remaining": round(need / remaining, 4) if remaining else None,
                "fits": (need <= remaining) if remaining is not None else None,
            }
        )
    # Salesforce documents no throughput figure: the estimate uses an assumed rate; the bound is the
    # documented 5-minute processing limit per 10,000-record batch, batches one after another
    rows.append(
        {
            "limit": "estimated load seconds (org_max: 5 min per batch bound)",
            "run_needs": round(records / records_per_second, 1),
            "org_max": batches * BATCH_TIMEOUT_S,
            "org_remaining": None,
            "share_of_remaining": None,
            "fits": None,
        }
    )
    return pd.DataFrame(rows), records / records_per_second


def automation(sf, objects: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The org's active automation on the objects we write (``core.org_automation``), one row each."""
    from core.org_automation import read_automation

    found, notes = read_automation(sf, objects)
    return pd.DataFrame([a.row() for a in found], columns=AUTOMATION_COLUMNS), notes


def duplicate_rule_conflicts(con, active: pd.DataFrame, dups: pd.DataFrame) -> pd.DataFrame:
    """Where our duplicate-customer findings meet an active duplicate rule: per rule, the pairs whose two
    customers are both written to the rule's object (the one saved second can be refused with
    ``DUPLICATES_DETECTED``; records of one job are not compared with each other, only with saved ones)."""
    columns = ["object", "rule", "matches_on", "pairs", "example", "warning"]
    rules = active[active["kind"] == "duplicate_rule"] if not active.empty else active
    rows = []
    for rule in rules.itertuples():
        if dups.empty or not _exists(con, "salesforce", rule.object):
            continue
        keys = {
            r[0]
            for r in con.execute(
                f'select "Dispatch_Pro_Id__c" from salesforce.{sql_ident(rule.object)} '
                """where "Dispatch_Pro_Id__c" like 'customer:%'"""
            ).fetchall()
        }
        keep = ("customer:" + dups["keep_customer_id"].astype(str)).isin(keys)
        both = dups[keep & ("customer:" + dups["merge_customer_id"].astype(str)).isin(keys)]
        if both.empty:
            continue
        first = both.iloc[0]
        rows.append(
            {
                "object": rule.object,
                "rule": rule.name,
                "matches_on": rule.detail,
                "pairs": len(both),
                "example": f"customer:{first.keep_customer_id} / customer:{first.merge_customer_id}",
                "warning": f"{len(both)} duplicate customer pair(s) become {rule.object} records this rule "
                "may refuse (DUPLICATES_DETECTED, a failed row): merge them first or bypass the rule for "
                "the window",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def collect(settings: Settings, records_per_second: float = 2000.0) -> Prescan:
    """Every section, from the marts (read-only) and the org (describe, Users, /limits)."""
    from core.fields import load_field_list
    from expectations.org import active_users, connect_target, org_limits

    scan = Prescan()
    cfg = dbt_vars()
    sf = connect_target(settings)
    users = active_users(sf)
    limits = org_limits(sf)
    objects = [o.name for o in load_field_list().enabled_objects(built_invoices(settings.duckdb_path))]
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        scan.tables["owners"] = owners(con, users)
        scan.tables["oversize_files"] = oversize_files(
            con, int(cfg.get("file_size_limit_bytes", 26214400)), str(cfg.get("oversize_file_action", "list"))
        )
        scan.tables["duplicates"] = duplicates(con)
        scan.tables["incomplete_addresses"] = incomplete_addresses(con)
        scan.tables["missing_required"] = _gate_rows(con, "where rule = 'missing_required'")
        scan.tables["held_back"] = _gate_rows(con, "")
        scan.tables["flagged_values"] = flagged_values(con)
        if not _exists(con, "gates", "gates_all"):
            scan.notes.append("the org's gates have not run: `dp2sf validate` adds the rows they hold back")
        scan.tables["placeholder_children"] = placeholder_children(con)
        scan.tables["limits"], scan.duration_s = usage(con, objects, limits, records_per_second)
        scan.tables["automation"], notes = automation(sf, objects)
        scan.notes.extend(notes)
        scan.tables["duplicate_rule_conflicts"] = duplicate_rule_conflicts(
            con, scan.tables["automation"], scan.tables["duplicates"]
        )
    return scan
