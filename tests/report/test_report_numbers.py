"""Number formats: expected strings written by hand."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.report.numbers import NumberFormats, format_number, format_p_value
from clusternet.report.settings import ReportSettings


@pytest.mark.parametrize("value, text", [
    (0.512, "0.512"), (1.2345, "1.23"), (-0.000123, "-0.000123"), (0.0001234, "0.000123"),
    (12.345, "12.3"), (123.45, "123"), (12345.6, "12346"), (0.0, "0"), (-3e-14, "-3.00e-14"),
    (0.0999, "0.0999"), (None, ""), (float("nan"), ""),
])
def test_significant(value, text):
    assert format_number(value, "significant", 3) == text


@pytest.mark.parametrize("value, text", [
    (0.512, "0.512"), (1.2345, "1.234"), (0.0, "0.000"), (-0.0004, "-0.0004"), (0.00004, "0.00004"),
    (12345.6, "12345.600"), (-3e-14, "-3.00e-14"),
])
def test_fixed_never_prints_nonzero_as_zero(value, text):
    assert format_number(value, "fixed", 3) == text


@pytest.mark.parametrize("p, text", [(0.0004, "<0.001"), (0.0, "<0.001"), (0.001, "0.001"),
                                     (0.0123, "0.012"), (0.88, "0.880"), (1.0, "1.000"), (None, "")])
def test_p_values(p, text):
    assert format_p_value(p, 3) == text


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
       st.sampled_from(["significant", "fixed"]), st.integers(1, 6))
def test_nonzero_never_prints_as_zero(x, mode, digits):
    text = format_number(x, mode, digits)
    if x != 0.0:
        assert float(text) != 0.0
        # and the sign survives
        assert math.copysign(1, float(text)) == math.copysign(1, x)


@settings(deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e6), st.integers(1, 5))
def test_significant_keeps_relative_precision(x, digits):
    # at least `digits` significant digits: relative rounding error below 5 * 10^-digits
    assert abs(float(format_number(x, "significant", digits)) - x) <= 5 * 10 ** -digits * x


def test_per_statistic_and_per_table_overrides():
    s = ReportSettings.from_section({"number_format": {"mode": "fixed", "digits": 2,
                                                       "statistics": {"std_error": {"digits": 4}}}})
    assert s.fmt(0.5, statistic="estimate") == "0.50"
    assert s.fmt(0.5, statistic="std_error") == "0.5000"
    assert s.fmt_p(0.00001) == "<0.001"
    t = s.with_numbers({"mode": "significant", "statistics": {"p_value": {"digits": 2}}})
    assert t.fmt(0.0001234, statistic="estimate") == "0.00012"  # 2 significant digits, table's mode
    assert t.fmt(0.5, statistic="std_error") == "0.5000"  # inherited from the report
    assert t.fmt_p(0.004) == "<0.01"


def test_legacy_digits_sets_the_default_digits():
    assert ReportSettings.from_section({"digits": 2}).fmt(0.01234) == "0.012"
    assert NumberFormats.from_config(None, 4).format(1.23456) == "1.235"


def test_default_config_validates_and_formats_small_estimates(tmp_path):
    from clusternet.config import load_config
    from pathlib import Path

    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "config.yaml")
    s = ReportSettings.from_section(cfg.section("report"))
    assert s.fmt(-0.0000412, statistic="estimate") == "-0.0000412"
    assert s.fmt(0.000873, statistic="std_error") == "0.000873"
    assert s.fmt_p(0.0) == "<0.001"


@pytest.mark.e2e
def test_default_run_prints_no_nonzero_number_as_zero(snakemake_run):
    """No cell of the default run's tables reads 0.000 / (0.000) / -0.000: exact zeros print as "0"."""
    import csv
    import re

    tables = sorted((snakemake_run[0] / "results/report/tables").glob("*.csv"))
    assert tables, "the default run wrote no CSV tables"
    zero = re.compile(r"^[(\[]?-?0\.0+[)\]]?\**$")
    bad = [(p.name, cell) for p in tables
           for row in csv.reader(line for line in p.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
           for cell in row if zero.match(cell.strip())]
    assert not bad, bad[:20]
