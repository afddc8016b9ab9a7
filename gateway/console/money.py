"""Amounts as a person reads them: Stripe's minor units and currency code to "$12.50" or
"12.50 EUR" (no locale database: the console is in English and shows the code when unsure)."""

_SYMBOLS = {"usd": "$", "gbp": "£", "eur": "€"}
# Stripe's zero-decimal currencies the console is likely to meet (amounts are whole units).
_ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xaf", "xof"})


def money(amount: int | None, currency: str | None) -> str:
    if amount is None or currency is None:
        return "—"
    code = currency.lower()
    sign = "\u2212" if amount < 0 else ""  # a minus sign, not a hyphen
    units = abs(amount) if code in _ZERO_DECIMAL else abs(amount) / 100
    number = f"{units:,.0f}" if code in _ZERO_DECIMAL else f"{units:,.2f}"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code.upper()}"
