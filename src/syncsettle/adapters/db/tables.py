"""Every table module of the platform, imported here so Alembic, ``check`` and the tests see the
whole schema through one :data:`metadata`.

Each centre keeps its tables in a module of its own (``core/schema.py`` holds the metadata and the
main medical-insurance tables, ``<centre>/schema_<area>.py`` the others), all on the same
``MetaData``. A new area adds one import line. This module sits above the centres' packages (it
imports all of them), as :mod:`.column_limits` does, which reads every table.
"""

from __future__ import annotations

import syncsettle.adapters.db.clearing.schema_clearing
import syncsettle.adapters.db.clearing.schema_reconciliation
import syncsettle.adapters.db.commercial.schema_claims
import syncsettle.adapters.db.commercial.schema_commercial
import syncsettle.adapters.db.commercial.schema_legs
import syncsettle.adapters.db.computing.schema_computing
import syncsettle.adapters.db.management.schema_audit
import syncsettle.adapters.db.management.schema_console
import syncsettle.adapters.db.management.schema_identity
import syncsettle.adapters.db.management.schema_trust
import syncsettle.adapters.db.settlement.schema_benefits  # noqa: F401
from syncsettle.adapters.db.core.schema import metadata

__all__ = ["metadata"]
