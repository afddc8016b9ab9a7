"""The billing intervals seatgate sells seats at - monthly, every six months, yearly - and how a
subscription item's price names one. Checkout finds its prices by these names
(`purchases.PRICE_LOOKUP_KEYS`); the console shows them."""

from __future__ import annotations

from seats.billing.capacity import ItemSnapshot

# interval name -> (Stripe's recurring interval, interval_count), and how a person says it.
INTERVALS: dict[str, tuple[tuple[str, int], str]] = {
    "month": (("month", 1), "Monthly"),
    "six_months": (("month", 6), "Every six months"),
    "year": (("year", 1), "Yearly"),
}
_UNITS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def interval_of(item: ItemSnapshot | None) -> str | None:
    """The interval name of the item's price, or None for one seatgate does not sell (weekly,
    quarterly, ...) or an item with no recurring price."""
    if item is None or item.interval is None:
        return None
    wanted = (item.interval, item.interval_count)
    if wanted == ("month", 12):
        return "year"
    return next((name for name, (recurring, _) in INTERVALS.items() if recurring == wanted), None)


def describe_interval(item: ItemSnapshot | None) -> str | None:
    """ "Monthly", "Every six months", "Yearly" - or "Every 3 months" for other periods."""
    name = interval_of(item)
    if name is not None:
        return INTERVALS[name][1]
    if item is None or item.interval not in _UNITS:
        return None
    unit = _UNITS[item.interval]
    return f"Every {unit}" if item.interval_count == 1 else f"Every {item.interval_count} {unit}s"
