"""Online payments through a provider interface.

A provider turns a charge or a refund into a `PaymentResult`. The one bundled provider is a
test gateway that moves no money: card number 4242 4242 4242 4242 succeeds, any other number
is declined, which lets patients and tests walk both paths. A real provider implements the same
two methods and is named in the `PAYMENT_PROVIDER` setting.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    transaction_id: str = ""
    message: str = ""


class PaymentProvider:
    name = ""
    is_test = False

    def charge(self, *, amount: Decimal, currency: str, reference: str, card_number: str) -> PaymentResult:
        raise NotImplementedError

    def refund(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        raise NotImplementedError


class SandboxGateway(PaymentProvider):
    """Moves no money. For demonstrations and tests only, and labelled so on every page that uses it."""

    name = _("Test gateway (no real money)")
    is_test = True
    SUCCESS_CARD = "4242424242424242"

    def charge(self, *, amount, currency, reference, card_number):
        digits = "".join(ch for ch in card_number if ch.isdigit())
        if digits != self.SUCCESS_CARD:
            return PaymentResult(ok=False, message=str(_("The card was declined by the test gateway.")))
        return PaymentResult(ok=True, transaction_id=f"test_{secrets.token_hex(8)}")

    def refund(self, *, amount, currency, reference):
        return PaymentResult(ok=True, transaction_id=f"test_refund_{secrets.token_hex(8)}")


def get_provider() -> PaymentProvider:
    path = getattr(settings, "PAYMENT_PROVIDER", "bookings.payments.SandboxGateway")
    return import_string(path)()
