"""The persistence core: engine factory, the driver-level fast statements, column types, the one
metadata and the main tables, migrations and their runner, shared helpers. Nothing here connects at import time."""
