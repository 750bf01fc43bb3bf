"""Number formatting shared by cost lines and the markdown report."""

from __future__ import annotations


def money(value: float | None, *, signed: bool = False) -> str:
    """$1,234.56; '-' for None; with ``signed``, +$1.00 / -$1.00 / $0.00."""
    if value is None:
        return "-"
    rounded = round(value + 0.0, 2)
    text = f"${abs(rounded):,.2f}"
    if rounded < 0:
        return f"-{text}"
    return f"+{text}" if signed and rounded > 0 else text


def rate(value: float) -> str:
    """A unit price as the catalog gives it: $1.96786, $0.05, $55.04 (no rounding away of digits)."""
    whole, _, fraction = f"{value:,.6f}".rstrip("0").partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def number(value: float) -> str:
    """1, 2.5, 1,000,000: integers without decimals, others with up to 4."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
