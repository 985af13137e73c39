"""Repositories of clearing: windows, positions and instructions, prefunding, 周转金,
discrepancies and reconciliation runs, the hospital's reconciliation reads."""
