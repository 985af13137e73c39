"""Clearing & settlement business centre (清分结算业务中心): settlement windows, clearing into payment
instructions, confirmation, insurer prefunding, statements, reconciliation and discrepancies."""
