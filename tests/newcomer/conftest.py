"""Fixtures shared by the newcomer tests."""

from tests.backfill.conftest import postgres_url

__all__ = ["postgres_url"]
