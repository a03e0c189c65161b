"""Money: the one rounding rule (cents, half up) and the one way an amount is shown to people."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

from homecure.base.system_settings import get_setting

CENT = Decimal("0.01")

# Symbols for the currencies the platform is likely to run in; any other ISO code is shown as
# the code itself ("CHF 45.00"), which every reader understands.
CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "EGP": "E£", "INR": "₹", "JPY": "¥"}


def round_money(value: Decimal) -> Decimal:
    """`Decimal("12.345")` -> `Decimal("12.35")`: the amount in cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value) -> str:
    """`45` -> "$45.00" in the platform currency, grouped for the active locale; "" for no value."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    currency = str(get_setting("currency")).upper()
    formatted = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{formatted[1:]}" if formatted.startswith("-") else f"{symbol}{formatted}"
    return f"{currency}\N{NO-BREAK SPACE}{formatted}"
