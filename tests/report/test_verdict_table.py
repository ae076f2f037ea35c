"""The opening verdict table: within-SD units when the entry has a scale, raw (marked r) otherwise."""
from clusternet.report.verdict_table import verdict_table


def test_rows_use_sd_units_and_mark_raw_values():
    entries = [
        {"id": "A", "class": "A", "title_en": "a", "estimate": 2.0, "estimate_sd": 0.25, "ci_sd": [0.1, 0.4],
         "ci_lower": 0.8, "ci_upper": 3.2, "mde_analytic_sd": 0.3, "mde_simulated_sd": 0.35, "sesoi": 0.2,
         "p_adjusted": 0.012, "robustness_share": 0.9, "n_specifications": 120, "verdict": "supported",
         "adjustment": "holm"},
        {"id": "B", "class": "B", "title_en": "b", "estimate": 7.5, "ci_lower": None, "ci_upper": None,
         "mde_analytic": None, "sesoi": 0.2, "p_adjusted": 0.6, "verdict": "inconclusive", "downgraded": True},
        {"id": "C", "class": "C", "title_en": "c", "estimate": None, "verdict": "not_testable"},
    ]
    t = verdict_table(entries, "en", lambda v: f"{v:.2f}", {})
    a, b, c = t.body
    assert a[3:10] == ["0.25", "[0.10, 0.40]", "0.35", "0.20", "0.01", "0.90 (120)", "supported"]
    assert b[3] == "7.50 r" and b[9] == "inconclusive ↓"
    assert c[9] == "not testable with public data" and c[3] == ""
    assert "regional correlates" in t.notes[0] and "holm" in t.notes[1]


def test_simulated_project_shows_the_true_value_beside_the_estimate():
    from clusternet.report.verdict_table import verdict_table

    entries = [{"id": "H1", "verdict": "supported", "estimate": 0.5, "estimate_sd": 0.25, "ci_sd": [0.1, 0.4],
                "scale": {"factor": 0.5}, "true_value": 0.6, "true_in_ci": True},
               {"id": "H2", "verdict": "inconclusive", "estimate": 0.1, "ci_lower": -0.2, "ci_upper": 0.4,
                "true_value": 0.5, "true_in_ci": False}]
    t = verdict_table(entries, "en", lambda v: f"{v:.2f}", {})
    assert t.header[0][3:5] == ["estimate (SD)", "true value"]
    assert [r[4] for r in t.body] == ["0.30 ✓", "0.50"]  # H1 in SD units (0.6 x 0.5), H2 raw
    assert "true value" not in verdict_table([{"id": "H3", "verdict": "inconclusive"}], "en", str, {}).header[0]
