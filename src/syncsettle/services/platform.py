"""What every use case needs: the database engine, the clock, the rules. Wired in one place
(:func:`build_platform`); nothing connects at import time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from syncsettle.adapters.channel import Channel
from syncsettle.adapters.clock import Clock, SystemClock
from syncsettle.adapters.commercial_settings import CommercialConfig
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.pii import PersonCipher
from syncsettle.adapters.rulebook import Rulebook, shipped_rulebook
from syncsettle.adapters.settings import Settings, load_settings
from syncsettle.services.unit_of_work import UnitOfWork


@dataclass
class Platform:
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    rules: Rulebook = field(default_factory=shipped_rulebook)
    settings: Settings = field(default_factory=Settings)
    commercial: CommercialConfig = field(default_factory=CommercialConfig.from_env)
    channel: Channel | None = None  # to the commercial platform; built on first use (services.commercial.wiring)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, readonly=readonly)

    @cached_property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def pii(self) -> PersonCipher:
        """Seals and opens names and certificate numbers at rest (keys ``sm4.pii``, ``hmac.blind_index``)."""
        return PersonCipher(self.settings.keys.sm4("pii"), self.settings.keys.hmac("blind_index"))


def build_platform(database_url: str | None = None, clock: Clock | None = None, *, create: bool = False) -> Platform:
    """The platform as configured by the environment (database URL, mode, keys). A SQLite file must
    already exist unless ``create`` (``db upgrade``): a mistyped path must not become an empty database."""
    engine = make_engine(database_url, must_exist=not create)
    return Platform(engine=engine, clock=clock or SystemClock(), settings=load_settings())
