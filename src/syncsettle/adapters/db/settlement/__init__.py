"""Repositories of the settlement centre (the medical-insurance domain): hospitals, persons,
visits and fee lines, settlements and accumulators, benefits, the ledger, the gateway, the outbox."""
