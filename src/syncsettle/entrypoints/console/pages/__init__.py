"""Console pages: every module here that defines ``register(router)`` adds its routes and menu
entries (found with :mod:`pkgutil`, so a new page never edits a shared list)."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def register_all(router: APIRouter) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(router)
