"""Policy treatments declared in ``config/policies.yaml`` (schema ``policies.schema.yaml``).

A policy is either an *indicator* (``adoption_years``: {province code: first treated year}) or an
*intensity* (``units``: the listed cities with their batch and the prefecture-level divisions each
adds, ``batches``: each batch's first treated year, and the denominator ``prefecture_counts``).
The intensity of province p in year t is

    s_pt = min(1, Σ_{u in p, first_treated_year(batch_u) ≤ t} prefectures_u / N_p),

N_p the province's prefecture-level divisions at ``prefecture_counts.reference_date``.

Specifications name a policy instead of repeating its years (:func:`resolve_specification`):

- ``policy_dummy: {name: pilot_zone, policy: bigdata_pilot_zones}`` -> ``adoption_years`` and
  ``source`` filled from the policy (an intensity policy fills ``intensity`` instead, a
  {code: {year: share}} table, and the column is the share);
- ``options: {policy: bigdata_pilot_zones}`` (the DID estimators) -> ``options.adoption_years``
  and ``options.source``; an intensity policy is refused there (the staggered estimators need a
  binary, absorbing treatment).

Cross-checks the schema cannot express (:func:`load_policies`): every code is one of the 31
provinces, every unit's batch is declared, the prefecture counts cover every province and add up
to ``national_total``, no unit list names more prefectures than its province has.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from clusternet.errors import ConfigError

SECTION = "policies"
MUNICIPALITIES = (110000, 120000, 310000, 500000)


@dataclass(frozen=True)
class Policy:
    key: str
    block: dict
    source_file: str
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def measure(self) -> str:
        return str(self.block["measure"])

    @property
    def label(self) -> str:
        return str(self.block["label"])

    def source_text(self) -> str:
        docs = "; ".join(
            f"{d['issuer']} {d['title']}" + (f" {d['number']}" if d.get("number") else "") + f" ({d['date']})"
            for d in self.block["documents"])
        return f"{self.source_file}: policies.{self.key} — {docs}"

    def adoption_years(self) -> dict[int, int]:
        if self.measure != "indicator":
            raise ConfigError(f"{self.source_file}: policies.{self.key} is an intensity treatment; a binary "
                              "staggered design needs an indicator policy (measure: indicator)")
        return {int(k): int(v) for k, v in self.block["adoption_years"].items()}

    def intensity(self, years: list[int] | range) -> dict[int, dict[int, float]]:
        """{province code: {year: share of its prefectures treated}} for every province."""
        if self.measure != "intensity":
            # an indicator is an intensity of 0 or 1
            adopt = self.adoption_years()
            return {c: {int(t): float(c in adopt and t >= adopt[c]) for t in years} for c in self.counts}
        first = {int(b): int(v["first_treated_year"]) for b, v in self.block["batches"].items()}
        out: dict[int, dict[int, float]] = {}
        for code, n in self.counts.items():
            units = [u for u in self.block["units"] if int(u["province"]) == code]
            out[code] = {int(t): min(1.0, sum(float(u["prefectures"]) for u in units
                                             if first[int(u["batch"])] <= t) / n) for t in years}
        return out

    def steps(self) -> dict[int, dict[int, float]]:
        """The intensity as a step function: {province: {year the share changes: share from then on}}
        (provinces never treated are left out)."""
        years = sorted({int(v["first_treated_year"]) for v in self.block["batches"].values()})
        full = self.intensity(years)
        out = {}
        for code, by_year in full.items():
            prev, changes = 0.0, {}
            for t in years:
                if by_year[t] != prev:
                    changes[t] = by_year[t]
                    prev = by_year[t]
            if changes:
                out[code] = changes
        return out


def _fail(file: str, where: str, what: str) -> ConfigError:
    return ConfigError(f"{file}: {where}: {what}")


def parse_policies(section: dict, source_file: str = "config/policies.yaml") -> dict[str, Policy]:
    """Cross-check a schema-valid policies section; returns {key: Policy}."""
    from clusternet.data.regions import codes

    known = set(codes())
    counts_block = section.get("prefecture_counts") or {}
    counts = {int(k): int(v) for k, v in (counts_block.get("counts") or {}).items()}
    if counts:
        bad = sorted(set(counts) - known)
        if bad:
            raise _fail(source_file, "prefecture_counts.counts", f"codes {bad} are not province codes")
        missing = sorted(known - set(counts))
        if missing:
            raise _fail(source_file, "prefecture_counts.counts", f"provinces {missing} have no count; add them")
        total = counts_block.get("national_total")
        got = sum(v for c, v in counts.items() if c not in MUNICIPALITIES)
        if total is not None and got != int(total):
            raise _fail(source_file, "prefecture_counts.national_total",
                        f"the non-municipality counts add up to {got}, not {total}; correct a count")
    out = {}
    for key, block in (section.get("policies") or {}).items():
        where = f"policies.{key}"
        if block["measure"] == "indicator":
            bad = sorted(int(k) for k in block["adoption_years"] if int(k) not in known)
            if bad:
                raise _fail(source_file, f"{where}.adoption_years", f"codes {bad} are not province codes")
        else:
            if not counts:
                raise _fail(source_file, f"{where}.denominator",
                            "an intensity policy needs prefecture_counts.counts for every province")
            batches = {int(b) for b in block["batches"]}
            per_province: dict[int, float] = {}
            for i, u in enumerate(block["units"]):
                if int(u["province"]) not in known:
                    raise _fail(source_file, f"{where}.units[{i}] ({u['name_zh']})",
                                f"province {u['province']} is not a province code")
                if int(u["batch"]) not in batches:
                    raise _fail(source_file, f"{where}.units[{i}] ({u['name_zh']})",
                                f"batch {u['batch']} is not declared under {where}.batches {sorted(batches)}")
                per_province[int(u["province"])] = per_province.get(int(u["province"]), 0.0) + float(u["prefectures"])
            for code, n in per_province.items():
                if n > counts[code] + 1e-9:
                    raise _fail(source_file, f"{where}.units",
                                f"province {code} lists {n:g} prefectures but has {counts[code]}; check the list")
            for b, v in block["batches"].items():
                listed = sum(1 for u in block["units"] if int(u["batch"]) == int(b))
                if "n_units_announced" in v and listed > int(v["n_units_announced"]):
                    raise _fail(source_file, f"{where}.batches.{b}",
                                f"{listed} units listed but the announcement names {v['n_units_announced']}")
        out[key] = Policy(key, block, source_file, counts)
    return out


def load_policies(config) -> dict[str, Policy]:
    """The validated, cross-checked policies of a config (empty when it has no policies section)."""
    if SECTION not in (config.main.get("sections") or {}):
        return {}
    return parse_policies(config.section(SECTION), str(config.section_file(SECTION)))


def _policy(policies: dict[str, Policy], key: str, where: str) -> Policy:
    if key not in policies:
        raise ConfigError(f"{where}: policy {key!r} is not declared in config/policies.yaml "
                          f"(declared: {sorted(policies)})")
    return policies[key]


def resolve_specification(spec: dict, policies: dict[str, Policy]) -> dict:
    """A specification with its named policies replaced by their years (a copy)."""
    name = spec.get("name", "?")
    out = copy.deepcopy(spec)
    block = out.get("policy_dummy")
    if block and block.get("policy") is not None:
        pol = _policy(policies, block["policy"], f"specification {name!r}: policy_dummy.policy")
        if "adoption_years" in block:
            raise ConfigError(f"specification {name!r}: policy_dummy names policy {pol.key!r} and also "
                              "adoption_years; keep one")
        if pol.measure == "indicator":
            block["adoption_years"] = pol.adoption_years()
        else:
            block["intensity"] = pol.steps()
        block.setdefault("source", pol.source_text())
    opts = out.get("options")
    if isinstance(opts, dict) and opts.get("policy") is not None:
        key = opts.pop("policy")
        pol = _policy(policies, key, f"specification {name!r}: options.policy")
        if "adoption_years" in opts:
            raise ConfigError(f"specification {name!r}: options names policy {key!r} and also adoption_years; "
                              "keep one")
        opts["adoption_years"] = pol.adoption_years()
        opts["source"] = opts.get("source") or pol.source_text()
    return out
