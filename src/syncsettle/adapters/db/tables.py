"""Every table module of the platform, imported here so Alembic, ``check`` and the tests see the
whole schema through one :data:`metadata`.

Each area keeps its tables in a module of its own (``schema.py`` for the settlement core,
``schema_<area>.py`` for the others), all on the same ``MetaData``. A new area adds one import line.
"""

from __future__ import annotations

import syncsettle.adapters.db.schema
import syncsettle.adapters.db.schema_audit
import syncsettle.adapters.db.schema_benefits
import syncsettle.adapters.db.schema_claims
import syncsettle.adapters.db.schema_clearing
import syncsettle.adapters.db.schema_commercial
import syncsettle.adapters.db.schema_computing
import syncsettle.adapters.db.schema_console
import syncsettle.adapters.db.schema_identity
import syncsettle.adapters.db.schema_legs
import syncsettle.adapters.db.schema_reconciliation
import syncsettle.adapters.db.schema_trust  # noqa: F401
from syncsettle.adapters.db.schema import metadata

__all__ = ["metadata"]
