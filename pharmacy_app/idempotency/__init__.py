"""Exactly once: a form posted twice, or an API call retried, stores its record once.

Forms carry a one-time token (`forms`); API calls may carry an `Idempotency-Key` header
(`pharmacy_app.api.idempotency`, beside the API that uses it). Either is consumed by a
unique-constrained row inserted in the same transaction as the record it stored, so two
workers racing on PostgreSQL store once, and the second is answered with what the first
stored. Rows are kept for `SUBMISSION_RETENTION_HOURS`.
"""
