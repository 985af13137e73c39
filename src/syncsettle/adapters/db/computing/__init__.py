"""Repositories of the computing centre: claim facts, risk history and the scan, actuarial
queries and replays, privacy budgets and released cells, background jobs."""
