"""Payments for the cloud service: the catalog, Stripe, and the App Store and Google Play checks.

Each module verifies and interprets; none writes to the ledger. The service applies what they
return exactly once, keyed by Stripe event id, Apple transaction id or Google purchase token.
"""

from __future__ import annotations
