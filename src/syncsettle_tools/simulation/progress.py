"""How the simulation reports progress: a phase with a label and (optionally) a total; the CLI
shows each as a rich progress bar on stderr, tests pass :class:`Silent`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    def phase(self, label: str, total: int | None = None) -> Advance:
        """Start a phase; the returned function advances it by ``n`` steps."""
        ...


class Silent:
    def phase(self, label: str, total: int | None = None) -> Advance:
        return lambda n: None
