"""A local stand-in for a Salesforce org: REST, SOQL, Bulk API 2.0, files, limits and faults over HTTPS.

Run: ``python -m sandbox.salesforce --port P --state-dir DIR --certfile F --keyfile F --seed S --scale X``
with SF_SANDBOX_ACCESS_TOKEN and SF_SANDBOX_ADMIN_TOKEN in the environment (``sandbox.control.up`` does this).
What it implements and where it differs from Salesforce, with citations: ``sandbox/salesforce/README.md``.
Clients: ``loaders.connection.connect("sandbox")`` (simple-salesforce); any API version, trailing slash
or not.

Modules: ``app`` (transport: auth, limits header, faults; FastAPI app), ``deps`` (HTTP helpers and
request dependencies shared by the routers), ``composite`` (/composite, /composite/batch, collections
upsert), ``compound`` (address and geolocation values), ``formula`` (validation rules), ``locks`` (parent row
locks between parallel jobs), ``rest`` (describe, CRUD, upsert,
query/queryAll, composite), ``bulk`` (Bulk API 2.0 jobs and worker), ``files`` (ContentVersion), ``admin``
(test-only API), ``org`` (registry + store + record operations), ``writer`` (validation and DML),
``soql`` + ``soql.lark`` (parser and SQL translation), ``store`` (SQLite), ``values`` (field checkers),
``limits``, ``faults``, ``seed`` (starting state), ``metadata`` (describe, deploy; helper B1).

Admin API (``/_admin``, header ``X-Admin-Token``):
    POST /metadata/deploy {files: {path: xml}}      → DeployResult (custom objects and fields, ALTER TABLE)
    POST /settings {audit_fields_on_create, limits: {Name: Max}, row_locks, row_lock_window_seconds}
    POST /snapshot → {snapshot_id};  GET /snapshots/{a}/diff/{b}[?include_system=true]
         → {empty, objects: {Obj: {added, removed, changed: {id: [fields]}, recycle_bin_added,
            recycle_bin_removed}}, files_changed}
         (live records and the recycle bin; SystemModstamp/LastModified* ignored unless include_system)
    POST /reset;  POST /undelete {ids} → [{id, success, errors}];  GET /stats
    POST /faults {http_503: n, drop_connections: n, lock_row_fraction: f, fail_job_after: rows,
                  slow_seconds: s, request_limit_exhausted: true, clear: true}
    POST /connected-apps, POST /sessions, POST /outages: see ``auth_admin`` (OAuth: ``oauth``, ``sessions``;
         outages: ``outages``; the token endpoint is ``POST /services/oauth2/token``)
    POST /automation/{triggers|flows|workflow_rules|assignment_rules|auto_response_rules|duplicate_rules|
                      record_types};  GET /automation;  POST /person_accounts   (``setup_admin``)

Tooling API subset: ``GET /services/data/vNN.N/tooling/query?q=`` and ``/tooling/sobjects/...`` (``tooling``).
"""
