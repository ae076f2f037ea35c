"""Circularity guard for composites, for panel models and QAP alike.

A test is circular when the outcome is built from (part of) the regressor: regressing a
gravity network whose masses are patents and R&D on a digital index that contains R&D and
patent indicators, or a modelled allocation of flows over distance on contiguity, largely
tests an identity. The guard compares **components**:

- the components of a variable are the variable itself, the panel variables its codebook
  ``transformation`` names (recursively: ``ln_rd_exp_real`` -> ``rd_exp_real`` -> ``rd_exp``),
  the parts declared in ``network.circularity.contains`` (e.g. invention grants are part of all
  patent grants; a published ratio such as R&D intensity contains R&D spending) and, for a
  composite index, the components of every indicator it declares (config/indicators.yaml:
  ``dici``, ``dici__<method>`` all indicators; ``dici_<dimension>[__<method>]`` that dimension's;
  ``lq_<name>`` its numerator and denominator). Variables listed in
  ``network.circularity.scale_variables`` (deflators and denominators such as CPI, population,
  GDP) are not followed: sharing a denominator is not circularity.
- the inputs of a network are the components of its masses (gravity) or observed flows (flow),
  its economic distance, and its geographic distance (gravity with geographic distance, and the
  flow network, whose allocation decays with great-circle distance).

Refused, unless the entry sets ``allow_circular: true`` (then listed as an override, which the
reports print):

- a model (config/models.yaml) whose dependent variable is a network node column (``net_*``,
  see :mod:`.definitions`) with a regressor (``x``, ``controls``, mediator, moderator,
  threshold variable, instruments) whose components overlap that network's inputs;
- a mediation whose mediator is a component of the treatment (whatever the outcome);
- a QAP matrix (config/network.yaml ``qap.matrices``) whose variable's components overlap the
  dependent network's inputs, a great-circle matrix, or a contiguity matrix, when that network
  decays with geographic distance (contiguity is a coarse version of the same distance).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from clusternet.errors import ConfigError
from clusternet.network.definitions import network_of_column

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GEOGRAPHIC = "geographic distance (great-circle km)"


def _stem(variable: str) -> str:
    """Name without the ln_ prefix and _real suffix (used when no codebook is at hand)."""
    return re.sub(r"_real$", "", re.sub(r"^ln_", "", variable))


@dataclass
class Lineage:
    """What every variable is built from (codebook transformations, declared parts, composites)."""

    inputs: dict[str, set[str]] = field(default_factory=dict)      # codebook transformation identifiers
    contains: dict[str, set[str]] = field(default_factory=dict)    # network.circularity.contains
    composites: dict[str, set[str]] = field(default_factory=dict)  # index column -> indicators
    scale: set[str] = field(default_factory=set)

    def components(self, variable: str) -> set[str]:
        """Every variable ``variable`` is built from, itself included (scale variables excluded)."""
        seen: set[str] = set()
        todo = [variable]
        while todo:
            v = todo.pop()
            if v in seen or v in self.scale:
                continue
            seen.add(v)
            todo += sorted(self.composites.get(v, ()))
            todo += sorted(self.inputs.get(v, ()))
            todo += sorted(self.contains.get(v, ()))
            stem = _stem(v)
            if stem != v:
                todo.append(stem)
        return seen


def composite_components(indicators: dict | None) -> dict[str, set[str]]:
    """Index columns of config/indicators.yaml -> the indicator variables each is built from."""
    out: dict[str, set[str]] = {}
    if not indicators:
        return out
    index = indicators.get("index") or {}
    name = index.get("name")
    methods = list(index.get("methods") or []) + [index.get("default_method")]
    methods = [m for m in dict.fromkeys(methods) if m]

    def leaves(node: dict) -> set[str]:
        got = {i["variable"] for i in node.get("indicators") or []}
        for sub in node.get("sub_dimensions") or []:
            got |= leaves(sub)
        return got

    def register(column: str, comps: set[str]) -> None:
        out[column] = set(comps)
        for m in methods:
            out[f"{column}__{m}"] = set(comps)

    def walk(node: dict) -> None:
        register(f"{name}_{node['key']}", leaves(node))
        for sub in node.get("sub_dimensions") or []:
            walk(sub)

    if name:
        dims = index.get("dimensions") or []
        register(name, set().union(*[leaves(d) for d in dims]) if dims else set())
        for d in dims:
            walk(d)
    for lq in (indicators.get("agglomeration") or {}).get("location_quotients") or []:
        out[f"lq_{lq['name']}"] = set(lq["numerator"]) | set(lq["denominator"])
    return out


def lineage(*, codebook: dict | None = None, indicators: dict | None = None,
            network: dict | None = None) -> Lineage:
    variables = (codebook or {}).get("variables") or {}
    names = set(variables)
    inputs = {}
    for var, meta in variables.items():
        text = (meta or {}).get("transformation") or ""
        found = {t for t in IDENT.findall(text) if t in names and t != var}
        if found:
            inputs[var] = found
    circ = (network or {}).get("circularity") or {}
    contains = {k: set(v) for k, v in (circ.get("contains") or {}).items()}
    return Lineage(inputs=inputs, contains=contains, composites=composite_components(indicators),
                   scale=set(circ.get("scale_variables") or []))


def lineage_from_config(cfg) -> Lineage:
    files = cfg.main.get("sections", {})
    return lineage(codebook=cfg.section("codebook") if "codebook" in files else None,
                   indicators=cfg.section("indicators") if "indicators" in files else None,
                   network=cfg.section("network") if "network" in files else None)


def network_inputs(section: dict, lin: Lineage) -> tuple[dict[str, str], bool, str]:
    """(component -> which input it comes from, decays with geographic distance?, description)."""
    source = section["source"]
    comps: dict[str, str] = {}
    if source == "gravity":
        from clusternet.network.gravity import GravitySpec

        spec = GravitySpec.from_config(section["gravity"])
        for v, _ in spec.masses:
            for c in lin.components(v):
                comps.setdefault(c, f"mass {v}")
        if spec.distance != "geographic" and spec.economic_variable:
            for c in lin.components(spec.economic_variable):
                comps.setdefault(c, f"economic distance {spec.economic_variable}")
        return comps, spec.uses_geographic_distance, (
            f"gravity network (masses {[v for v, _ in spec.masses]}, distance {spec.distance})")
    if source == "flow":
        flow = section["flow"]
        for v in (flow["outflow_variable"], flow["inflow_variable"]):
            for c in lin.components(v):
                comps.setdefault(c, f"flow {v}")
        return comps, True, (f"flow network (flows {flow['outflow_variable']}, {flow['inflow_variable']}; "
                             "great-circle distance decay)")
    return comps, False, "observed edge list"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def regressors(spec: dict) -> list[tuple[str, str]]:
    """(role, variable) of every right-hand-side variable of a model specification."""
    opts = spec.get("options") or {}
    out = [("x", v) for v in _as_list(spec.get("x"))] + [("controls", v) for v in _as_list(spec.get("controls"))]
    for key in ("mediator", "moderator", "threshold_variable"):
        out += [(f"options.{key}", v) for v in _as_list(opts.get(key))]
    for key in ("instruments", "endogenous"):
        out += [(f"options.{key}", v) for v in _as_list(opts.get(key)) if isinstance(v, str)]
    return out


def _overlap(variable: str, inputs: dict[str, str], lin: Lineage, network_section: dict) -> dict[str, str]:
    own = network_of_column(variable, network_section)
    comps = network_inputs(own[1], lin)[0].keys() if own else lin.components(variable)
    return {c: inputs[c] for c in sorted(set(comps) & set(inputs))}


def check_models(specs: list[dict], network_section: dict | None, lin: Lineage, *,
                 file: str = "config/models.yaml") -> list[dict]:
    """Refuse circular model specifications (ConfigError); return the overridden ones."""
    overrides = []
    for i, spec in enumerate(specs):
        where = f"{file}: specifications[{i}] ({spec.get('name')})"
        problems = []
        y = spec.get("y")
        net = network_of_column(y, network_section) if (network_section and isinstance(y, str)) else None
        if net is not None:
            inputs, _, desc = network_inputs(net[1], lin)
            for role, v in regressors(spec):
                hit = _overlap(v, inputs, lin, network_section)
                if hit:
                    problems.append(
                        f"{role} {v!r} shares components {sorted(hit)} with the dependent network {y!r} "
                        f"(network {net[0]!r}: {desc}; via " + ", ".join(sorted(set(hit.values()))) + ")")
        mediator = (spec.get("options") or {}).get("mediator")
        if mediator:
            for x in _as_list(spec.get("x")):
                comps = lin.components(x) - {x}
                med = {mediator, _stem(mediator)}
                if comps & med:
                    problems.append(f"mediator {mediator!r} is a component of the treatment {x!r} "
                                    f"(components of {x!r} include {sorted(comps & med)})")
        if not problems:
            continue
        reason = "; ".join(problems)
        if not spec.get("allow_circular"):
            raise ConfigError(f"{where}: {reason}. The estimate would partly restate how the variables are "
                              "built. Change the specification, or set allow_circular: true (with "
                              "circular_reason) on it to fit it anyway; the report will list the override")
        overrides.append({"entry": spec.get("name"), "file": file, "reason": reason,
                          "justification": spec.get("circular_reason")})
    return overrides


def check_qap(section: dict, lin: Lineage, *, file: str = "config/network.yaml") -> list[dict]:
    """Refuse circular QAP matrices against the default (dependent) network; return overrides."""
    inputs, geographic, desc = network_inputs(section, lin)
    overrides = []
    for i, m in enumerate(section["qap"]["matrices"]):
        reason = None
        kind = m["kind"]
        if kind in ("absolute_difference", "similarity"):
            hit = _overlap(m["variable"], inputs, lin, section)
            if hit:
                reason = (f"variable {m['variable']!r} shares components {sorted(hit)} with the dependent "
                          f"network ({desc}; via " + ", ".join(sorted(set(hit.values()))) + ")")
        elif kind == "great_circle" and geographic:
            reason = f"the dependent network ({desc}) is built from the same great-circle distances"
        elif kind == "contiguity" and geographic:
            reason = (f"contiguity is a coarse version of the geographic distance decay of the dependent "
                      f"network ({desc})")
        if reason is None:
            continue
        if not m.get("allow_circular"):
            raise ConfigError(
                f"{file}: qap.matrices[{i}] ({m['name']}): {reason}, so regressing the network on it "
                "tests an identity, not a formation mechanism. Remove the matrix, use another variable, or set "
                "allow_circular: true on it to run the test anyway (the report will say so)")
        overrides.append({"matrix": m["name"], "entry": f"qap.matrices[{i}]", "reason": reason,
                          "justification": m.get("circular_reason")})
    return overrides


def check_model_config(config, specs: list[dict]) -> list[dict]:
    """The guard for the models stage: the specifications of config/models.yaml against the
    networks of config/network.yaml (when configured) and the composites of the indicator system."""
    files = config.main.get("sections", {})
    network = config.section("network") if "network" in files else None
    file = str(config.section_file("models")) if "models" in files else "config/models.yaml"
    return check_models(specs, network, lineage_from_config(config), file=file)
