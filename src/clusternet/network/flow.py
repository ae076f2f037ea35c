"""Flow-anchored networks: a doubly constrained spatial-interaction model per year.

Wilson's (1967, 1970) entropy-maximising model allocates each province's observed
technology-market outflow ``O_i`` (contracts sold, province as seller) over buyers and
each province's observed inflow ``D_j`` (contracts bought) over sellers:

    T_ij = A_i O_i B_j D_j f(d_ij),
    sum_j T_ij = O_i,   sum_i T_ij = D_j,

with the balancing factors ``A_i, B_j`` found by Furness (1965) iterative proportional
fitting (IPF): scale the rows of ``K = f(d)`` to their targets, then the columns, until
both margins hold to a relative ``tolerance`` (default 1e-12). Node strengths are
therefore observed data; only the allocation across partners is modelled.

Rules stated here and in docs/network.md:

- **Deterrence** ``f(d) = d ** -beta`` (``power``) or ``exp(-d / theta)``
  (``exponential``, theta in km), d = great-circle km between province centroids.
  The parameter is declared in config, or calibrated: ``ppml`` on a declared
  calibration edge list of observed flows (Poisson pseudo-maximum likelihood with
  origin and destination fixed effects; its fixed effects are exactly the balancing
  factors, Fally 2015, so the estimate solves the single first-order condition
  ``sum (T_obs - T_hat(beta)) * dln f / dbeta = 0`` with T_hat balanced to the observed
  margins), or ``mean_trip_length`` (Hyman 1969: the parameter at which the modelled
  flow-weighted mean distance of a declared year equals a declared value).
  Flows alone do not identify the parameter: any value fits the margins exactly.
- **Diagonal** (contracts whose seller and buyer are in the same province, which both
  series include): ``internal_distance`` models them with the internal distance
  ``d_ii = factor * sqrt(area_i / pi)`` (Head & Mayer 2002; factor 2/3 is the mean
  distance to the centre of a disc), ``exclude`` makes them a structural zero (every
  contract is then allocated to another province or abroad).
- **Unequal national totals** (contracts with buyers or sellers abroad, statistical
  vintages): ``rest_of_world`` adds one node that buys the surplus of outflow over
  inflow (or sells the surplus of inflow), equally accessible from every province
  (a constant deterrence, which the balancing factor absorbs, so its scale does not
  matter); both margins stay exact. ``scale_inflow`` rescales the inflows to the
  outflow total (rows exact, columns proportional to the observed inflow).
- **Missing totals**: ``zero`` treats a missing outflow/inflow as 0 (the province-year
  is listed), ``error`` stops.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from clusternet.errors import ConfigError, DataError, EstimationError

DIAGONAL_RULES = ("internal_distance", "exclude")
BALANCE_RULES = ("rest_of_world", "scale_inflow")
MISSING_RULES = ("zero", "error")
DECAY_FORMS = ("power", "exponential")


@dataclass(frozen=True)
class FlowSpec:
    """A doubly constrained flow network as declared in ``config/network.yaml`` (``flow:``)."""

    outflow_variable: str = "techmkt_seller_value_real"
    inflow_variable: str = "techmkt_buyer_value_real"
    decay_form: str = "power"
    decay_parameter: float = 1.0
    calibration: dict | None = None
    diagonal: str = "internal_distance"
    internal_distance_factor: float = 2.0 / 3.0
    balance: str = "rest_of_world"
    missing: str = "zero"
    tolerance: float = 1e-12
    max_iterations: int = 10_000

    @classmethod
    def from_config(cls, section: dict, where: str = "network.flow") -> "FlowSpec":
        decay = section.get("decay", {})
        spec = cls(
            outflow_variable=section["outflow_variable"],
            inflow_variable=section["inflow_variable"],
            decay_form=decay.get("form", "power"),
            decay_parameter=float(decay.get("parameter", 1.0)),
            calibration=decay.get("calibration"),
            diagonal=section.get("diagonal", "internal_distance"),
            internal_distance_factor=float(section.get("internal_distance_factor", 2.0 / 3.0)),
            balance=section.get("balance", "rest_of_world"),
            missing=section.get("missing", "zero"),
            tolerance=float(section.get("tolerance", 1e-12)),
            max_iterations=int(section.get("max_iterations", 10_000)),
        )
        for key, value, allowed in (("decay.form", spec.decay_form, DECAY_FORMS),
                                    ("diagonal", spec.diagonal, DIAGONAL_RULES),
                                    ("balance", spec.balance, BALANCE_RULES),
                                    ("missing", spec.missing, MISSING_RULES)):
            if value not in allowed:
                raise ConfigError(f"{where}.{key} must be one of {allowed}, got {value!r}")
        return spec

    @property
    def variables(self) -> list[str]:
        """Panel variables the network is built from (its observed flows)."""
        return [self.outflow_variable, self.inflow_variable]

    def with_parameter(self, value: float) -> "FlowSpec":
        return FlowSpec(**{**self.__dict__, "decay_parameter": float(value), "calibration": None})


def deterrence(distance: np.ndarray, form: str, parameter: float) -> np.ndarray:
    """f(d): ``d ** -parameter`` (power) or ``exp(-d / parameter)`` (exponential); d > 0."""
    d = np.asarray(distance, dtype=float)
    if form == "power":
        return d ** (-parameter)
    if form == "exponential":
        return np.exp(-d / parameter)
    raise ConfigError(f"network.flow.decay.form must be one of {DECAY_FORMS}, got {form!r}")


def _dlog_deterrence(distance: np.ndarray, form: str, parameter: float) -> np.ndarray:
    """d ln f / d parameter (the regressor of the PPML first-order condition)."""
    d = np.asarray(distance, dtype=float)
    if form == "power":
        return -np.log(d)
    return d / parameter ** 2


@dataclass
class Balanced:
    flows: np.ndarray          # T
    row_factors: np.ndarray    # a_i = A_i O_i
    col_factors: np.ndarray    # b_j = B_j D_j
    iterations: int
    max_relative_error: float  # max over both margins of |sum - target| / target (positive targets)


def furness(seed: np.ndarray, row_totals, col_totals, *, tolerance: float = 1e-12,
            max_iterations: int = 10_000, where: str = "") -> Balanced:
    """Biproportional balancing: ``T = diag(a) K diag(b)`` with the given row and column sums.

    ``seed`` K >= 0; zero targets give zero rows/columns. Raises DataError when the totals
    differ or a positive target has no admissible cell, EstimationError without convergence."""
    k = np.asarray(seed, dtype=float)
    o = np.asarray(row_totals, dtype=float)
    d = np.asarray(col_totals, dtype=float)
    if np.any(k < 0) or not np.all(np.isfinite(k)):
        raise DataError(f"{where}the deterrence matrix must be finite and non-negative")
    if np.any(o < 0) or np.any(d < 0) or not (np.all(np.isfinite(o)) and np.all(np.isfinite(d))):
        raise DataError(f"{where}flow totals must be finite and non-negative")
    total = o.sum()
    if not np.isclose(total, d.sum(), rtol=1e-12, atol=0):
        raise DataError(f"{where}row totals ({total!r}) and column totals ({d.sum()!r}) differ; "
                        "balance them first (network.flow.balance)")
    rows_ok, cols_ok = o > 0, d > 0
    reach_r = (k[:, cols_ok] > 0).any(axis=1)
    reach_c = (k[rows_ok, :] > 0).any(axis=0)
    if np.any(rows_ok & ~reach_r) or np.any(cols_ok & ~reach_c):
        bad = np.flatnonzero(rows_ok & ~reach_r).tolist() + np.flatnonzero(cols_ok & ~reach_c).tolist()
        raise DataError(f"{where}a positive total has no admissible partner (node index {bad[0]}); "
                        "the flows cannot be allocated (check the diagonal rule)")
    a = np.where(rows_ok, 1.0, 0.0)
    b = np.where(cols_ok, 1.0, 0.0)
    err = np.inf
    for it in range(1, max_iterations + 1):
        rs = k @ b
        a = np.divide(o, rs, out=np.zeros_like(o), where=rs > 0)
        cs = a @ k
        b = np.divide(d, cs, out=np.zeros_like(d), where=cs > 0)
        # after the column step the columns are exact; the rows carry the remaining error
        t_rows = a * (k @ b)
        err = float(np.max(np.abs(t_rows[rows_ok] - o[rows_ok]) / o[rows_ok])) if rows_ok.any() else 0.0
        if err <= tolerance:
            t = a[:, None] * k * b[None, :]
            col_err = (np.max(np.abs(t.sum(axis=0)[cols_ok] - d[cols_ok]) / d[cols_ok])
                       if cols_ok.any() else 0.0)
            return Balanced(t, a, b, it, float(max(err, col_err)))
    raise EstimationError(f"{where}Furness balancing did not converge in {max_iterations} iterations "
                          f"(max relative row error {err:.3g}); raise network.flow.max_iterations")


@dataclass
class FlowYear:
    """One year's balanced flows over the provinces (and the abroad node, if any)."""

    year: int
    flows: np.ndarray                # provinces x provinces, including the diagonal
    abroad_out: np.ndarray           # T_i,ROW
    abroad_in: np.ndarray            # T_ROW,j
    outflow: np.ndarray              # observed targets used (missing -> 0 under missing: zero)
    inflow: np.ndarray
    gap: float                       # sum outflow - sum inflow (observed)
    iterations: int
    max_relative_error: float
    missing: list = field(default_factory=list)   # [(region_code, variable)]


def prepare_totals(outflow, inflow, nodes, year, spec: FlowSpec) -> tuple[np.ndarray, np.ndarray, list]:
    o = np.asarray(outflow, dtype=float).copy()
    d = np.asarray(inflow, dtype=float).copy()
    missing = []
    for values, variable in ((o, spec.outflow_variable), (d, spec.inflow_variable)):
        bad = ~np.isfinite(values)
        if bad.any():
            if spec.missing == "error":
                raise DataError(f"panel year {year}: {variable} is missing for region_code "
                                f"{nodes[int(np.flatnonzero(bad)[0])]}; impute it or set network.flow.missing: zero")
            missing += [(int(nodes[i]), variable) for i in np.flatnonzero(bad)]
            values[bad] = 0.0
        neg = values < 0
        if neg.any():
            raise DataError(f"panel year {year}: {variable} is negative for region_code "
                            f"{nodes[int(np.flatnonzero(neg)[0])]}; flows must be >= 0")
    return o, d, missing


def deterrence_matrix(distance_km: np.ndarray, internal_km: np.ndarray | None, spec: FlowSpec,
                      parameter: float | None = None) -> np.ndarray:
    """Province x province f(d) with the diagonal rule applied."""
    p = spec.decay_parameter if parameter is None else parameter
    d = np.asarray(distance_km, dtype=float).copy()
    n = d.shape[0]
    off = ~np.eye(n, dtype=bool)
    if np.any(~np.isfinite(d[off])) or np.any(d[off] <= 0):
        raise DataError("flow network: distances between distinct provinces must be positive and finite")
    if spec.diagonal == "internal_distance":
        if internal_km is None or np.any(~np.isfinite(internal_km)) or np.any(np.asarray(internal_km) <= 0):
            raise DataError("flow network: diagonal internal_distance needs positive internal distances")
        np.fill_diagonal(d, internal_km)
        return deterrence(d, spec.decay_form, p)
    k = np.zeros((n, n))
    k[off] = deterrence(d[off], spec.decay_form, p)
    return k


def balance_year(outflow, inflow, kernel: np.ndarray, spec: FlowSpec, *, year: int = 0,
                 nodes=None) -> FlowYear:
    """Furness-balance one year's totals on the province kernel, with the balance rule."""
    n = kernel.shape[0]
    nodes = list(range(n)) if nodes is None else nodes
    o, d, missing = prepare_totals(outflow, inflow, nodes, year, spec)
    gap = float(o.sum() - d.sum())
    where = f"flow network, year {year}: "
    if spec.balance == "rest_of_world":
        k = np.zeros((n + 1, n + 1))
        k[:n, :n] = kernel
        k[:n, n] = 1.0   # abroad is equally accessible from every province (scale absorbed by B_ROW)
        k[n, :n] = 1.0
        # the abroad node buys the surplus of outflow over inflow (or sells the surplus of inflow)
        o_full = np.append(o, max(-gap, 0.0))
        d_full = np.append(d, max(gap, 0.0))
        res = furness(k, o_full, d_full, tolerance=spec.tolerance, max_iterations=spec.max_iterations, where=where)
        t = res.flows
        return FlowYear(year, t[:n, :n], t[:n, n], t[n, :n], o, d, gap, res.iterations,
                        res.max_relative_error, missing)
    if spec.balance == "scale_inflow":
        if d.sum() <= 0:
            raise DataError(f"{where}total inflow is 0; cannot scale it to the outflow total")
        d_scaled = d * (o.sum() / d.sum())
        res = furness(kernel, o, d_scaled, tolerance=spec.tolerance, max_iterations=spec.max_iterations, where=where)
        return FlowYear(year, res.flows, np.zeros(n), np.zeros(n), o, d, gap, res.iterations,
                        res.max_relative_error, missing)
    raise ConfigError(f"network.flow.balance must be one of {BALANCE_RULES}, got {spec.balance!r}")


def internal_distances(area_km2: np.ndarray, factor: float) -> np.ndarray:
    """``factor * sqrt(area / pi)`` (Head & Mayer 2002; 2/3 = mean distance to a disc's centre)."""
    area = np.asarray(area_km2, dtype=float)
    if np.any(~np.isfinite(area)) or np.any(area <= 0):
        raise DataError("flow network: province areas must be positive")
    return factor * np.sqrt(area / np.pi)


# ---------------------------------------------------------------------------------------------
# Calibration of the decay parameter
# ---------------------------------------------------------------------------------------------

def ppml_decay(observed: list[np.ndarray], distance: np.ndarray, form: str = "power", *,
               bracket: tuple[float, float] | None = None, tolerance: float = 1e-13) -> float:
    """PPML estimate of the decay parameter with origin-by-period and destination-by-period fixed
    effects, from one or more observed flow matrices (all cells, zeros included, enter the
    likelihood; the diagonal enters as given: pass NaN cells to leave them out).

    The Poisson first-order conditions for the fixed effects say that fitted and observed margins
    agree, i.e. the fitted flows are the Furness balancing of f(d; parameter) on the observed
    margins; what is left is the scalar condition for the parameter, solved by Brent's method."""
    d = np.asarray(distance, dtype=float)
    mats = [np.asarray(m, dtype=float) for m in observed]
    masks = [np.isfinite(m) for m in mats]
    if any(np.any(~np.isfinite(d[mask])) or np.any(d[mask] <= 0) for mask in masks):
        raise DataError("ppml calibration: distances of the calibration cells must be positive")

    def score(theta: float) -> float:
        total = 0.0
        for m, mask in zip(mats, masks):
            k = np.where(mask, deterrence(np.where(mask, d, 1.0), form, theta), 0.0)
            obs = np.where(mask, m, 0.0)
            fit = furness(k, obs.sum(axis=1), obs.sum(axis=0), tolerance=tolerance, max_iterations=100_000).flows
            x = _dlog_deterrence(np.where(mask, d, 1.0), form, theta)
            total += float(np.sum(np.where(mask, (obs - fit) * x, 0.0)))
        return total

    lo, hi = bracket or _default_bracket(form, d[np.logical_or.reduce(masks)])
    try:
        return float(optimize.brentq(score, lo, hi, xtol=1e-14, rtol=1e-13, maxiter=500))
    except ValueError as exc:
        raise EstimationError(f"ppml calibration: the first-order condition has no root in [{lo}, {hi}] "
                              f"(score {score(lo):.4g} at {lo}, {score(hi):.4g} at {hi}); "
                              "check the calibration flows or the decay form") from exc


def _default_bracket(form: str, distances: np.ndarray) -> tuple[float, float]:
    """Search interval of the decay parameter: power 1e-4..10; exponential from a twentieth of the
    median distance (f stays far from underflow: d_max / theta < 20 d_max / d_median) to 100 d_max."""
    if form == "power":
        return 1e-4, 10.0
    d = np.asarray(distances, dtype=float)
    d = d[np.isfinite(d) & (d > 0)]
    return float(np.median(d) / 20.0), float(100.0 * d.max())


def mean_trip_length(flows: np.ndarray, distance: np.ndarray) -> float:
    t = np.asarray(flows, dtype=float)
    return float(np.sum(t * distance) / np.sum(t))


def mean_trip_length_decay(target_km: float, outflow, inflow, distance_km: np.ndarray,
                           internal_km: np.ndarray | None, spec: FlowSpec, *,
                           bracket: tuple[float, float] | None = None) -> float:
    """Hyman's (1969) calibration: the decay parameter whose balanced flows (province cells,
    diagonal at the internal distance under ``internal_distance``) have the given mean distance."""
    d = np.asarray(distance_km, dtype=float).copy()
    if spec.diagonal == "internal_distance":
        np.fill_diagonal(d, internal_km)

    def gap(theta: float) -> float:
        k = deterrence_matrix(distance_km, internal_km, spec, theta)
        fy = balance_year(outflow, inflow, k, spec.with_parameter(theta))
        return mean_trip_length(fy.flows, d) - target_km

    lo, hi = bracket or _default_bracket(spec.decay_form, d[d > 0])
    try:
        return float(optimize.brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))
    except ValueError as exc:
        raise EstimationError(f"mean_trip_length calibration: no decay parameter in [{lo}, {hi}] gives a mean "
                              f"distance of {target_km} km (range {gap(hi) + target_km:.1f}-"
                              f"{gap(lo) + target_km:.1f} km)") from exc


# ---------------------------------------------------------------------------------------------
# From the panel to yearly networks
# ---------------------------------------------------------------------------------------------

FLOW_NODE_COLUMNS = ("out_strength_total", "in_strength_total", "self_flow", "abroad_out", "abroad_in")


def calibrate_parameter(spec: FlowSpec, panel, nodes: list[int], years: list[int], distance_km: np.ndarray,
                        internal_km: np.ndarray | None, where: str = "network.flow.decay.calibration") -> dict:
    """The decay parameter to use and how it was obtained (a record for network.json)."""
    cal = spec.calibration
    if not cal:
        return {"method": "declared", "parameter": spec.decay_parameter, "form": spec.decay_form}
    method = cal.get("method")
    if method == "ppml":
        from clusternet.network.edges import read_edge_list

        mats = read_edge_list(cal["path"], nodes, (min(years), max(years)))
        used = {y: m for y, m in mats.items() if m.sum() > 0}
        if not used:
            raise DataError(f"{where}: the calibration edge list {cal['path']} has no positive flow in "
                            f"{min(years)}-{max(years)}")
        obs = []
        for m in used.values():
            m = m.copy()
            np.fill_diagonal(m, np.nan)  # edge lists carry no self-loops: leave the diagonal out
            obs.append(m)
        theta = ppml_decay(obs, distance_km, spec.decay_form)
        return {"method": "ppml", "parameter": theta, "form": spec.decay_form, "path": str(cal["path"]),
                "years": sorted(used), "cells": "off-diagonal pairs of the listed years (unlisted pairs = 0)"}
    if method == "mean_trip_length":
        year = int(cal["year"])
        if year not in years:
            raise ConfigError(f"{where}.year {year} is outside the panel years {years[0]}-{years[-1]}")
        from clusternet.network.build import panel_matrix

        vals = panel_matrix(panel, spec.variables, nodes, year)
        theta = mean_trip_length_decay(float(cal["km"]), vals[:, 0], vals[:, 1], distance_km, internal_km, spec)
        return {"method": "mean_trip_length", "parameter": theta, "form": spec.decay_form, "km": float(cal["km"]),
                "year": year, "source": cal.get("source")}
    raise ConfigError(f"{where}.method must be ppml or mean_trip_length, got {method!r}")


def flow_networks(panel, spec: FlowSpec, nodes: list[int], years: list[int], distance_km: np.ndarray,
                  internal_km: np.ndarray | None, binary: dict) -> tuple[list, list[FlowYear], dict]:
    """One balanced flow network per year: (YearNetwork list, FlowYear list, calibration record)."""
    from clusternet.network.build import panel_matrix
    from clusternet.network.edges import YearNetwork
    from clusternet.network.gravity import binarize

    if distance_km is None:
        raise DataError("the flow network needs the great-circle distance matrix")
    record = calibrate_parameter(spec, panel, nodes, years, distance_km, internal_km)
    kernel = deterrence_matrix(distance_km, internal_km, spec, record["parameter"])
    nets, flows = [], []
    for year in years:
        vals = panel_matrix(panel, spec.variables, nodes, year)
        fy = balance_year(vals[:, 0], vals[:, 1], kernel, spec, year=year, nodes=nodes)
        w = fy.flows.copy()
        np.fill_diagonal(w, 0.0)
        net = YearNetwork(year, list(nodes), w, binarize(w, **binary))
        net.extra = {
            "out_strength_total": fy.flows.sum(axis=1) + fy.abroad_out,
            "in_strength_total": fy.flows.sum(axis=0) + fy.abroad_in,
            "self_flow": np.diag(fy.flows).copy(),
            "abroad_out": fy.abroad_out,
            "abroad_in": fy.abroad_in,
        }
        nets.append(net)
        flows.append(fy)
    return nets, flows, record
