"""Every table module of the platform, imported here so Alembic, ``check`` and the tests see the
whole schema through one :data:`metadata`.

Each area keeps its tables in a module of its own (``schema.py`` for the settlement core,
``schema_<area>.py`` for the others), all on the same ``MetaData``. A new area adds one import below.
"""

from __future__ import annotations

from syncsettle.adapters.db import schema, schema_clearing
from syncsettle.adapters.db.schema import metadata

__all__ = ["metadata", "schema", "schema_clearing"]
