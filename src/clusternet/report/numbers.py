"""Number formatting for tables: per statistic, per table, significant digits by default.

Two modes (``report.number_format`` in config/report.yaml):

- ``significant`` (the default, as modelsummary's ``fmt_significant`` and Stata's ``%9.0g``):
  at least ``digits`` significant digits, so 0.000123 prints as ``0.000123`` and 0.512 as
  ``0.512``. Numbers of 10^(digits-1) or more print without decimals (``12346``): digits of the
  integer part are never rounded away.
- ``fixed``: exactly ``digits`` decimals (``%.3f``).

Whatever the mode, a value that is not exactly zero never prints as zero: when the rounding
would show ``0.000`` (or ``-0.000``) the value is printed with enough decimals to show its first
significant digit (up to ``MAX_DECIMALS``), and in scientific notation beyond that. Exact
zero prints as ``0`` in ``significant`` mode and ``0.000`` in ``fixed`` mode.

p-values (statistic ``p_value``) print with ``digits`` decimals and below ``10**-digits`` as
``<0.001`` — the convention of APA and most journals, which the ``p_value`` entry configures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_DECIMALS = 10
MODES = ("significant", "fixed")
# Statistics that can be configured one by one (report.number_format.statistics).
STATISTICS = ("estimate", "std_error", "statistic", "p_value", "ci", "r2", "descriptive", "correlation")


@dataclass(frozen=True)
class NumberFormat:
    mode: str = "significant"
    digits: int = 3

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"number format mode {self.mode!r} is not one of {MODES}")

    def format(self, value) -> str:
        return format_number(value, self.mode, self.digits)


def _decimals_for_first_digit(x: float) -> int:
    """Decimals needed so that the first significant digit of ``x`` (0 < |x| < 1) shows."""
    return -math.floor(math.log10(abs(x)))


def format_number(value, mode: str = "significant", digits: int = 3) -> str:
    """``value`` as text ('' for None/NaN; 'inf'/'-inf' as such). See the module docstring."""
    if value is None:
        return ""
    x = float(value)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0" if mode == "significant" else f"{0:.{digits}f}"
    if mode == "fixed":
        decimals = digits
    else:
        magnitude = math.floor(math.log10(abs(x)))
        decimals = max(0, digits - 1 - magnitude)
        if decimals > MAX_DECIMALS:
            return f"{x:.{max(0, digits - 1)}e}"
    text = f"{x:.{decimals}f}"
    if float(text) == 0.0:  # would print as (-)0.000: show the first significant digit instead
        decimals = _decimals_for_first_digit(x) + (max(0, digits - 1) if mode == "significant" else 0)
        if decimals > MAX_DECIMALS:
            return f"{x:.{max(0, digits - 1)}e}"
        text = f"{x:.{decimals}f}"
    return text


def format_p_value(p, digits: int = 3) -> str:
    """``p`` with ``digits`` decimals; below ``10**-digits`` as ``<0.001`` (for digits=3)."""
    if p is None:
        return ""
    x = float(p)
    if math.isnan(x):
        return ""
    floor = 10.0 ** -digits
    if x < floor:
        return "<" + f"{floor:.{digits}f}"
    return f"{x:.{digits}f}"  # x >= floor rounds to at least floor: never 0.000


@dataclass(frozen=True)
class NumberFormats:
    """The default format plus per-statistic overrides."""
    default: NumberFormat = NumberFormat()
    overrides: tuple = ()  # ((statistic, NumberFormat), ...)

    def of(self, statistic: str | None) -> NumberFormat:
        for name, fmt in self.overrides:
            if name == statistic:
                return fmt
        if statistic == "p_value":
            return NumberFormat("fixed", 3)
        return self.default

    def format(self, value, statistic: str | None = None) -> str:
        fmt = self.of(statistic)
        if statistic == "p_value":
            return format_p_value(value, fmt.digits)
        return fmt.format(value)

    @classmethod
    def from_config(cls, block: dict | None, digits: int | None = None, base: NumberFormats | None = None):
        """From ``{mode, digits, statistics: {name: {mode, digits}}}``; missing keys from ``base``
        (the report-wide formats when ``block`` is a table's own) or the defaults; ``digits`` is the
        legacy top-level ``report.digits``."""
        base = base or cls()
        block = block or {}
        default = NumberFormat(block.get("mode", base.default.mode),
                               int(block.get("digits", digits if digits is not None else base.default.digits)))
        overrides = dict(base.overrides)
        for name, spec in (block.get("statistics") or {}).items():
            inherited = overrides.get(name, NumberFormat("fixed", 3) if name == "p_value" else default)
            overrides[name] = NumberFormat(spec.get("mode", inherited.mode), int(spec.get("digits", inherited.digits)))
        return cls(default, tuple(sorted(overrides.items())))
