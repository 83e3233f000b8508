"""What a verified payment message means for the trips ledger, shared by every payment source."""

from __future__ import annotations

from enum import StrEnum


class PaymentEventKind(StrEnum):
    """``credit`` grants a purchase, ``reverse`` takes one back (refund, dispute, revocation),
    ``ignored`` is a genuine message that changes nothing (acknowledge it so it is not resent)."""

    CREDIT = "credit"
    REVERSE = "reverse"
    IGNORED = "ignored"
