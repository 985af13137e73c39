"""Persistence: SQLAlchemy Core tables, the database engine factory, repositories and the unit of work.

Amounts are ``BIGINT`` fen; timestamps are aware UTC (stored as ISO-8601 text with offset on
SQLite, ``timestamptz`` on PostgreSQL). Nothing here connects at import time.
"""
