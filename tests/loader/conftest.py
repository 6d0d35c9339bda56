"""The loader tests use `built`, `workspace` and `admin` from tests/conftest.py (shared with tests/review)."""
