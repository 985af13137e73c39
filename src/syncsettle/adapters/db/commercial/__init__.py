"""Repositories of the commercial centre: insurers and filings, consents, enrollments, legs
and quick claims, 商保码, reviews, the insurer's figures."""
