"""Write a simulated project: its config, its "private" panel file, the true values and the flows.

``clusternet simulate --out DIR`` writes::

    DIR/config/            a copy of config/ set to the prefecture level, a user_panel section reading
                           ../private/panel.parquet, city-level plausibility ranges, prefecture
                           adoption years, the simulation's estimand variants (docs/simulate.md)
    DIR/private/panel.parquet   every raw item variable, one row per region-year (region_year layout)
    DIR/truth.json         the declared parameters and the true value of every estimand
    DIR/flows.parquet      technology-market flows between regions (spatial-interaction model)

Same seed, same parameters, same template config: byte-identical files.
"""
from __future__ import annotations

import copy
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clusternet.config import read_yaml
from clusternet.data import regions
from clusternet.errors import ConfigError
from clusternet.io import atomic_directory, dumps_json
from clusternet.simulate.dgp import Parameters, flows, frame_of, simulate_core, truth

SIMULATED_SEED_TASK = 17  # stable task id of the simulation in the seed sequence


def simulated_codes(level: str) -> list[int]:
    """The regions of a simulated project: at the prefecture level the 4 municipalities and the
    prefecture-level cities (地级市; 自治州, 地区 and 盟 are left out, as in the city panels of the
    literature) except 三沙 (reefs, no statistics): 296; at the province level all 31."""
    with regions.using(level):
        rs = regions.regions()
    if level == "province":
        return [r.code for r in rs]
    return [r.code for r in rs if r.name_zh.endswith("市") and r.code != 460300]


def weights_matrix(codes: list[int], level: str, spec: dict) -> np.ndarray:
    """The row-standardised weights of the template's spec (queen with its island rule) at the level."""
    from clusternet.spatial.weights import build_weights

    with regions.using(level, codes):
        return build_weights("queen", spec, codes).matrix.toarray()


def cpi_level(cpi: np.ndarray, years: np.ndarray, base: int) -> np.ndarray:
    """Chain-linked price level, base year = 100 (the panel stage's formula, clusternet.data.panel.price_level)."""
    b = int(np.flatnonzero(years == base)[0])
    level = np.empty_like(cpi)
    level[:, b] = 100.0
    for t in range(b + 1, cpi.shape[1]):
        level[:, t] = level[:, t - 1] * cpi[:, t] / 100
    for t in range(b - 1, -1, -1):
        level[:, t] = level[:, t + 1] / (cpi[:, t + 1] / 100)
    return level


def _generic(rng, name: str, cb: dict, size: np.ndarray, n: int, T: int) -> np.ndarray:
    """A raw variable no estimand uses: size-and-growth model around the province-level magnitude."""
    unit = cb["unit"]
    lo, hi = cb["magnitude"]["min"], cb["magnitude"]["max"]
    median = math.sqrt(lo * hi)
    intensive = any(w in unit for w in ("percent", "per ", "index", "yuan (current"))
    tau = np.arange(T)[None, :]
    if intensive:
        median = min(median, 0.3 * cb["max"]) if cb["max"] <= 1000 else median
        return np.exp(np.log(median) + 0.2 * size + 0.02 * tau + rng.normal(0, 0.03, (n, T)))
    return np.exp(np.log(median / 10) + size + rng.normal(0.05, 0.02, (n, 1)) * tau + rng.normal(0, 0.03, (n, T)))


def raw_variables(rng, v: dict, size: np.ndarray, codebook: dict, item_vars: list[str], years: np.ndarray,
                  base_year: int) -> dict:
    """Every raw item variable, backed out of the structural variables so that the panel stage's
    deflation and derived variables give them back exactly."""
    n, T = size.shape[0], len(years)
    L = cpi_level(v["cpi"], years, base_year) / 100
    r: dict[str, np.ndarray] = {k: v[k] for k in ("cpi", "gdp_index", "population", "land_area",
                                                  "dig_finance_index", "dig_integration_index")}
    P = v["population"]
    gdp_real = np.exp(v["ln_gdp_per_capita"]) * P / 1e4
    r["gdp"] = gdp_real * L
    r["urban_population"] = v["urbanisation"] * P
    r["budget_exp"] = v["gov_intervention"] * r["gdp"]
    r["trade"] = v["trade_openness"] * r["gdp"]
    r["rd_funds_ent"] = np.exp(v["ln_rd_funds_ent_real"]) * L
    r["rd_exp"] = r["rd_funds_ent"] / v["ent_rd_share"]
    r["rd_funds_gov"] = v["gov_rd_share"] * r["rd_exp"]
    r["rd_funds_foreign"], r["rd_funds_other"] = 0.005 * r["rd_exp"], 0.04 * r["rd_exp"]
    r["rd_exp_basic"], r["rd_exp_applied"] = 0.06 * r["rd_exp"], 0.11 * r["rd_exp"]
    r["rd_exp_experimental"] = 0.83 * r["rd_exp"]
    r["rd_intensity"] = r["rd_exp"] / r["gdp"] * 100
    r["budget_st_exp"] = v["st_spending_share"] * r["budget_exp"]
    r["budget_edu_exp"] = 0.15 * r["budget_exp"] * np.exp(rng.normal(0, 0.02, (n, T)))
    r["hitech_ind_firms"] = np.exp(v["ln_hitech_ind_firms"])
    r["techmkt_seller_value"] = np.exp(v["ln_techmkt_seller_value_real"]) * L
    r["techmkt_buyer_value"] = np.exp(v["ln_techmkt_buyer_value_real"]) * L
    r["patent_grant_invention"] = np.exp(v["ln_patent_grant_invention"])
    r["patent_app"] = np.exp(v["ln_patent_app"])
    r["rd_fte"] = np.exp(v["ln_rd_fte"])
    r["rd_fte_researchers"] = 0.6 * r["rd_fte"]
    r["college_students"] = v["college_per_10k"] * P
    share = {"fixed_asset_investment": 0.7, "hitech_ind_revenue": 0.3, "retail_sales": 0.4, "industrial_va": 0.35,
             "loans": 1.2}
    for name, s in share.items():
        r[name] = s * r["gdp"] * np.exp(rng.normal(0, 0.03, (n, T)))
    r["hitech_ind_profit"] = 0.06 * r["hitech_ind_revenue"]
    for name in item_vars:
        if name not in r:
            r[name] = _generic(rng, name, codebook[name], size, n, T)
    r["patent_grant"] = r["patent_grant_invention"] + r["patent_grant_utility"] + r["patent_grant_design"]
    return {k: r[k] for k in item_vars}


def _decade_range(values: np.ndarray) -> dict:
    med = float(np.nanmedian(np.abs(values)))
    if not med > 0:
        return {"min": 1.0e-6, "max": 1.0}
    e = math.floor(math.log10(med))
    return {"min": float(10.0 ** (e - 1)), "max": float(10.0 ** (e + 2))}


def city_codebook(codebook: dict, panel: pd.DataFrame) -> dict:
    """The template codebook with ranges for the simulated data: the plausible range widened to the
    data where needed and the expected magnitude set to the decades around the column's median."""
    out = copy.deepcopy(codebook)
    for name, entry in out.items():
        if name not in panel.columns:
            continue
        x = panel[name].to_numpy(dtype=float)
        lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
        if lo < entry["min"]:
            entry["min"] = float(math.floor(lo - abs(lo) - 1))
        if hi > entry["max"]:
            entry["max"] = float(10 ** math.ceil(math.log10(abs(hi) * 10))) if hi > 0 else 0.0
        entry["magnitude"] = _decade_range(x)
        entry["source"] = "clusternet simulate (docs/simulate.md)"
    return out


def _derive(raw: pd.DataFrame, panel_cfg: dict) -> pd.DataFrame:
    """The panel stage's deflation and derived variables on the raw frame (for the codebook ranges)."""
    from clusternet.data.panel import apply_derived

    wide = raw.set_index(["region_code", "year"]).copy()
    d = panel_cfg["deflation"]
    years = np.sort(raw["year"].unique())
    n = raw["region_code"].nunique()
    level = cpi_level(wide[d["price_index"]].to_numpy().reshape(n, len(years)), years, d["base_year"])
    wide[d["level_variable"]] = level.reshape(-1)
    for var in d["variables"]:
        wide[var + d["suffix"]] = wide[var] / wide[d["level_variable"]] * 100
    flags = pd.DataFrame(False, index=wide.index, columns=wide.columns)
    wide, _ = apply_derived(wide, panel_cfg["derived"], flags)
    return wide.reset_index()


def _set_adoption(obj, adopt: dict):
    """Replace every adoption_years mapping in a models config by the simulated cohorts."""
    if isinstance(obj, dict):
        return {k: ({int(c): int(y) for c, y in adopt.items()} if k == "adoption_years" else _set_adoption(x, adopt))
                for k, x in obj.items()}
    if isinstance(obj, list):
        return [_set_adoption(x, adopt) for x in obj]
    return obj


SIMULATED_DOCUMENT = {"issuer": "clusternet simulate",
                      "title": "simulated adoption cohorts (config/simulated/dgp.yaml)", "date": "2026",
                      "note": "not a real policy list: the cohorts of the declared DGP (truth.json)"}


def _unit_code(name_zh: str, codes: set[int]) -> int | None:
    """The prefecture code of a policy unit's Chinese name (a note in brackets dropped), None when it is
    not one of ``codes`` (city clusters, county-level cities, units outside the simulated set)."""
    from clusternet.data.names import region_code

    base = re.split(r"[（(]", name_zh, maxsplit=1)[0].strip()
    code = region_code(base)
    return int(code) if code and int(code) in codes else None


def prefecture_policies(section: dict, adopt: dict, codes: list[int], level: str) -> dict:
    """The policies of the simulated project at its level: the big-data pilot zones are the simulated
    cohorts (their true effects are declared); other indicator policies, declared by province, cover
    every simulated prefecture of a listed province; an intensity policy declared by city units
    (Broadband China) becomes an indicator of the units that name one simulated prefecture (city
    clusters and county-level units are left out, listed in its verification). These have no
    effect in the DGP: their true value is 0."""
    out = copy.deepcopy(section)
    if level == "province":
        out["policies"]["bigdata_pilot_zones"]["adoption_years"] = {int(c): int(y) for c, y in sorted(adopt.items())}
        out["policies"]["bigdata_pilot_zones"]["documents"] = [SIMULATED_DOCUMENT]
        return out
    known = set(codes)
    out.pop("prefecture_counts", None)
    for key, pol in out["policies"].items():
        if key == "bigdata_pilot_zones":
            pol.update(documents=[SIMULATED_DOCUMENT], rests_on_secondary=False,
                       adoption_years={int(c): int(y) for c, y in sorted(adopt.items())},
                       first_treated_rule="Simulated: the cohort years of the declared DGP (truth.json).",
                       verification="Simulated by `clusternet simulate` (docs/simulate.md); not the real zones.")
        elif pol["measure"] == "indicator":
            provinces = {int(c): int(y) for c, y in pol["adoption_years"].items()}
            pol["adoption_years"] = {c: provinces[c // 10000 * 10000] for c in codes if c // 10000 * 10000 in provinces}
            pol["first_treated_rule"] += (" Simulated project (prefecture level): every simulated city of a listed "
                                          "province has the province's year; the DGP gives this policy no effect.")
        else:
            batches = {int(b): int(v["first_treated_year"]) for b, v in pol["batches"].items()}
            years: dict[int, int] = {}
            skipped = []
            for u in pol["units"]:
                code = _unit_code(u["name_zh"], known) if float(u["prefectures"]) >= 1 else None
                if code is None:
                    skipped.append(u["name_zh"])
                    continue
                years[code] = min(years.get(code, 9999), batches[int(u["batch"])])
            pol.update(measure="indicator", adoption_years=dict(sorted(years.items())))
            for k in ("units", "batches", "denominator"):
                pol.pop(k, None)
            pol["first_treated_rule"] = ("Simulated project (prefecture level): a city is treated from its batch's "
                                         "first treated year; the DGP gives this policy no effect. "
                                         + pol["first_treated_rule"])
            pol["verification"] += (f" Prefecture level: {len(years)} listed units mapped to a simulated city by "
                                    f"name; left out (clusters, counties, not simulated): {', '.join(skipped)}.")
    return out


def project_models(section: dict, adopt: dict, seed: int, level: str) -> dict:
    """The simulated project's models section: the template's, with the simulated cohorts in every
    adoption_years, the threshold specification on the threshold mechanism (ln_rd_fte on
    dig_finance_index), the mediation mechanism added (sim_mediation) and, below the province
    level, without the single-province case studies (synthetic control of Guizhou)."""
    mcfg = _set_adoption(copy.deepcopy(section), adopt)
    if level != "province":  # case studies of one treated province (Guizhou): no prefecture analogue
        mcfg["specifications"] = [s for s in mcfg["specifications"] if s["model"] not in ("synth", "synth_did")]
    for spec in mcfg["specifications"]:
        if spec["name"] == "h_m5_threshold":  # the threshold mechanism: ln_rd_fte on dig_finance_index
            spec.update(y="ln_rd_fte", x=["dig_finance_index"], controls=[])
            spec["options"]["threshold_variable"] = "dig_finance_index"
    mcfg["specifications"].append({
        "name": "sim_mediation",
        "label": "Simulation: dig_integration_index -> college_per_10k -> tech-market inflow",
        "model": "mediation", "y": "ln_techmkt_buyer_value_real", "x": ["dig_integration_index"],
        "options": {"mediator": "college_per_10k", "bootstrap": 199, "seed": int(seed)}})
    return mcfg


def _dump(path: Path, doc, header: str = "") -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(header + text, encoding="utf-8")


def merge_settings(base, patch, where: str):
    """``patch`` merged into a copy of ``base``: mapping into mapping key by key; a mapping into a
    list of named entries (``name`` or ``id``) entry by entry, an unknown name an error naming
    ``where``; anything else replaces."""
    if isinstance(patch, dict) and isinstance(base, dict):
        out = copy.deepcopy(base)
        for k, v in patch.items():
            out[k] = merge_settings(base[k], v, f"{where}.{k}") if k in base else copy.deepcopy(v)
        return out
    if isinstance(patch, dict) and isinstance(base, list) and all(isinstance(e, dict) for e in base):
        key = {e.get("name", e.get("id")): i for i, e in enumerate(base)}
        entries = copy.deepcopy(base)
        for name, v in patch.items():
            if name not in key:
                raise ConfigError(f"{where}: no entry named {name!r} in the template (names: {sorted(map(str, key))})")
            entries[key[name]] = merge_settings(base[key[name]], v, f"{where}.{name}")
        return entries
    return copy.deepcopy(patch)


def write_project(out: Path, template: Path, seed: int, params: Parameters, level: str = "prefecture",
                  overrides: dict | None = None) -> dict:
    """Simulate and write the project under ``out`` (replaced whole); returns the truth document.

    ``overrides``: section name -> settings merged into that section of the project's config
    (config/simulated/overrides.yaml: the replication counts of a 296-city project)."""
    template = Path(template)
    main = read_yaml(template / "config.yaml")
    sections = {k: read_yaml(template / f) for k, f in main["sections"].items()}
    codebook = sections["codebook"]["variables"]
    item_vars = list(dict.fromkeys(it["variable"] for it in sections["items"]["items"]))
    codes = simulated_codes(level)
    years = np.arange(params.first_year, params.last_year + 1)
    base_year = int(sections["panel"]["deflation"]["base_year"])
    if not params.first_year <= base_year <= params.last_year:
        raise ConfigError(f"simulate: the deflation base year {base_year} of {template}/panel.yaml is outside the "
                          f"simulated years {params.first_year}-{params.last_year}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SIMULATED_SEED_TASK]))
    W = weights_matrix(codes, level, sections["spatial"]["weights"]["queen"])
    v, adopt = simulate_core(rng, codes, W, params)
    size = v["_size"]
    raw = raw_variables(rng, v, size, codebook, item_vars, years, base_year)
    panel = frame_of(codes, years, raw, item_vars)
    derived = _derive(panel, sections["panel"])
    sample = sections["models"]["defaults"]["sample"]["years"]
    true = truth(params, W, v, adopt, (sample["first"], sample["last"]))
    doc = {"seed": int(seed), "level": level, "regions": len(codes), "years": [int(years[0]), int(years[-1])],
           "parameters": params.to_dict(), "adoption_years": {str(k): v_ for k, v_ in sorted(adopt.items())},
           "truth": true,
           "note": ("estimands whose regressor the pipeline computes (dici*, network metrics, development-mode "
                    "intensities) have no declared true value")}
    with regions.using(level, codes):
        from clusternet.data import geo

        dist = geo.great_circle_km(codes)
    o = raw["techmkt_seller_value"]
    d = raw["techmkt_buyer_value"]
    flow_rows = []
    for t, year in enumerate(years):
        F = flows(o[:, t], d[:, t], dist, params.decay_km)
        i, j = np.nonzero(F)
        flow_rows.append(pd.DataFrame({"year": np.int64(year), "origin": np.array(codes)[i],
                                       "destination": np.array(codes)[j], "flow": F[i, j]}))
    flow_frame = pd.concat(flow_rows, ignore_index=True)

    with atomic_directory(out) as tmp:
        cfg = tmp / "config"
        shutil.copytree(template, cfg, ignore=shutil.ignore_patterns("simulated", "test", "__pycache__"))
        main = copy.deepcopy(main)
        main["seed"] = int(seed)
        main["years"] = {"first": int(years[0]), "last": int(years[-1])}
        main["regions"] = {"level": level, "codes": [int(c) for c in codes]}
        main["sections"]["user_panel"] = "user_panel.yaml"
        main["simulation"] = {"truth": "../truth.json"}
        _dump(cfg / "config.yaml", main, "# Simulated project written by `clusternet simulate` (docs/simulate.md).\n")
        _dump(cfg / "user_panel.yaml", {"files": [{
            "path": "../private/panel.parquet", "layout": "region_year",
            "region": {"column": "region_code", "by": "code"},
            "year": {"column": "year"},
            "columns": {name: {"variable": name, "unit": codebook[name]["unit"]} for name in item_vars}}]})
        _dump(cfg / main["sections"]["codebook"], {"variables": city_codebook(codebook, derived)})
        pcfg = copy.deepcopy(sections["panel"])
        pcfg["invalidate"], pcfg["plausibility_exceptions"] = [], []
        _dump(cfg / main["sections"]["panel"], pcfg)
        mcfg = project_models(sections["models"], adopt, seed, level)
        with regions.using(level, codes):
            _dump(cfg / main["sections"]["policies"], prefecture_policies(sections["policies"], adopt, codes, level))
        _dump(cfg / main["sections"]["models"], mcfg)
        scfg = copy.deepcopy(sections["spatial"])
        for spec in scfg["models"]["specifications"]:
            if spec["name"] == "sdm_invention_queen":  # the SDM mechanism is on patent applications
                spec["y"] = "ln_patent_app"
        _dump(cfg / main["sections"]["spatial"], scfg)
        icfg = copy.deepcopy(sections["indicators"])
        # min-max normalised indices are 0 at the minimum region-year of 296 cities: convergence in levels
        icfg["disparity"]["convergence"]["transform"] = "level"
        _dump(cfg / main["sections"]["indicators"], icfg)
        for section, patch in sorted((overrides or {}).items()):
            if section not in main["sections"]:
                raise ConfigError(f"simulate overrides: {section!r} is not a section of {template}/config.yaml "
                                  f"(sections: {sorted(main['sections'])})")
            path = cfg / main["sections"][section]
            doc_ = merge_settings(read_yaml(path), patch, f"overrides.{section}")
            _dump(path, doc_, "# Written by `clusternet simulate` (template + config/simulated/overrides.yaml).\n")
        from clusternet.config import load_config

        written = load_config(cfg / "config.yaml")  # the project's config passes the pipeline's schemas
        for section in sorted(main["sections"]):
            written.section(section)
        (tmp / "private").mkdir()
        panel.to_parquet(tmp / "private" / "panel.parquet", index=False)
        flow_frame.to_parquet(tmp / "flows.parquet", index=False)
        (tmp / "truth.json").write_text(dumps_json(doc), encoding="utf-8")
    return doc
