"""Input the calculation cannot price. Each error names the offending field (``bill.items[2].chrgitm_lv``)
so every edge — CLI, HTTP, file import — can answer with one clear line."""

from __future__ import annotations


class InvalidInput(ValueError):
    """The input is malformed or inconsistent; ``field`` is its path, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
