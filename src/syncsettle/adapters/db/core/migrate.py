"""Run the Alembic migrations on an engine (``syncsettle db upgrade``): explicit, never at start-up.

On SQLite a migration that changes a table referenced by foreign keys must rebuild it (batch mode:
copy, drop, rename), which SQLite refuses while foreign keys are enforced — and enforcement cannot
be switched inside a transaction. So the migrations run with enforcement off, are checked with
``PRAGMA foreign_key_check`` before they commit, and enforcement is switched back on (as the
Alembic documentation recommends for SQLite batch migrations).

A migration that needs keys (encrypting personal data at rest) reads them from
``cfg.attributes["keys"]``, passed in by :func:`upgrade`; without them it uses the configured
settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from syncsettle.adapters.settings import KeyRing

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class ForeignKeyViolation(RuntimeError):
    """A migration left rows whose foreign keys point nowhere (SQLite); nothing was committed."""


def upgrade(engine: Engine, revision: str = "head", keys: KeyRing | None = None) -> None:
    _run(engine, keys, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str, keys: KeyRing | None = None) -> None:
    _run(engine, keys, lambda cfg: command.downgrade(cfg, revision))


def _run(engine: Engine, keys: KeyRing | None, migrate: Callable[[Config], None]) -> None:
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # before BEGIN: the pragma is a no-op inside a transaction
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg = _config()
                cfg.attributes["connection"] = conn
                cfg.attributes["keys"] = keys
                migrate(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise ForeignKeyViolation(f"migration left dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(engine: Engine, message: str) -> None:  # pragma: no cover - developer tool
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
