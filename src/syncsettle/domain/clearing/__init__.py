"""Clearing rules (pure): settlement windows and their state machine, payment-instruction files,
transfer journals, reconciliation comparisons and the discrepancy workflow."""
