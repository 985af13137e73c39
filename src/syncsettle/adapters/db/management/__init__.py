"""Repositories of management: credentials, the audit log and its seals, dashboards and
latency, alerts, the loaded rule files."""
