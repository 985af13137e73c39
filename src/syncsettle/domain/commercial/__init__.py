"""The commercial side of the boundary: vocabulary of filings, consents and data granularities (pure)."""
