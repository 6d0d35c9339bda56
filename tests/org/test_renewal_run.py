"""A load and a rollback that outlive their session (issue 20 §1 must-show): the org ends the JWT bearer
session a second after it was issued; the run renews it once, goes on, and reconciles."""

from __future__ import annotations

import pytest

from loaders.load import run_load
from loaders.reconcile import run_reconcile
from loaders.rollback import run_rollback
from sandbox import connected_app
from tests.org.conftest import OneRenewal, jwt_env, sessions_admin


@pytest.mark.slow
def test_load_and_rollback_outlive_their_session_with_one_renewal_each(workspace, admin, monkeypatch):
    app = connected_app.register(workspace.sandbox_dir)  # after the workspace's reset, which forgets apps
    jwt_env(monkeypatch, app)
    settings = workspace.model_copy(update={"sf_auth": "jwt"})

    before = admin.snapshot()
    with OneRenewal(settings.sandbox_dir, "jwt-bearer", seconds=1.0) as window:
        loaded = run_load(settings)
    assert loaded.status == "completed", loaded
    assert window.issued() == 2  # the login, then exactly one renewal mid-run
    assert sum(c.get("failed", 0) for c in loaded.counts.values()) == 0
    reconciled = run_reconcile(settings, loaded.run_id)
    assert reconciled.ok, [o for o in reconciled.objects if not o.ok]

    with OneRenewal(settings.sandbox_dir, "jwt-bearer", seconds=1.0) as window:
        undone = run_rollback(settings, loaded.run_id)
    assert undone.status == "completed" and undone.conflicts == [], undone
    assert window.issued() == 2
    assert not any(c.get("failed") for c in undone.counts.values())
    assert sum(c.get("deleted", 0) for c in undone.counts.values()) == loaded.total("created")
    diff = admin.diff(before, admin.snapshot())  # the live org is as before the load
    for obj, change in diff["objects"].items():
        assert change["added"] == change["removed"] == [] and change["changed"] == {}, obj


@pytest.mark.slow
def test_a_pasted_token_that_dies_mid_load_stops_cleanly_and_resume_finishes(workspace, admin):
    """The sandbox org's static token is a pasted one: it cannot be renewed, so the run stops (not fails)
    with the command that continues it; with a live token again, ``--resume`` finishes and reconciles."""
    sessions_admin(workspace.sandbox_dir, {"timeout_seconds": 1.0, "static_token_expires": True})
    try:
        stopped = run_load(workspace)
    finally:
        sessions_admin(workspace.sandbox_dir, {"timeout_seconds": None, "static_token_expires": False})
    assert stopped.status == "stopped", stopped
    assert "INVALID_SESSION_ID" in stopped.message and "`dp2sf load --resume`" in stopped.message
    resumed = run_load(workspace, resume=True)
    assert resumed.status == "completed" and resumed.run_id == stopped.run_id
    assert run_reconcile(workspace, resumed.run_id).ok
