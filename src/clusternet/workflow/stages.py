"""The stage table: one entry per pipeline stage (a Snakemake rule and a dvc.yaml stage).

Each stage names its ``clusternet`` sub-command, the config sections and schemas it reads, its data
inputs and outputs, and the entry modules of its code; the code dependencies are computed from the
import graph (:func:`clusternet.workflow.codedeps.code_dependencies`). The Snakemake rules
(workflow/rules/*.smk) read their inputs and outputs from here, and ``dvc.yaml`` is generated from it
(``clusternet dag --dvc``; tests/workflow/test_stage_table.py fails when the committed file is stale).

To add a stage: add a :class:`Stage` here, a rule in workflow/rules/<domain>.smk that uses
``stage_input(name)`` / ``stage_output(name)``, and regenerate dvc.yaml (``clusternet dag --dvc``).

One job per specification (issue 14): a stage with ``jobs_from`` runs once per specification name
of that config section; its outputs and log contain the wildcard ``{spec}`` (a Snakemake wildcard
rule, a DVC ``foreach`` stage ``<name>@<spec>``). Paths with ``{spec}`` in other stages' inputs
expand to every specification (:func:`expand`). Stage code takes its output paths from here
(:func:`output_path`)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = "config/config.yaml"
BENCHMARK_DIR = "benchmarks/.results/rules"


@dataclass(frozen=True)
class Stage:
    name: str
    subcommand: str
    sections: tuple[str, ...]           # config sections whose files are inputs (config.yaml `sections:`)
    schemas: tuple[str, ...]            # config/schemas/<name>.schema.yaml read when validating them
    inputs: tuple[str, ...]             # data inputs: outputs of other stages (or fixed files)
    outputs: tuple[str, ...]            # files and directories the stage writes
    directories: frozenset[str] = frozenset()   # which outputs are directories
    entry: tuple[str, ...] = ()         # modules whose import closure is the stage's code
    targets: tuple[str, ...] | None = None      # outputs `rule all` and the report depend on (default: all)
    args: str = ""                      # positional arguments before --config
    metrics: tuple[str, ...] = ()       # DVC metrics among the outputs (cached by DVC, git-ignored)
    in_all: bool = True                 # requested by `rule all`
    note: str = ""
    jobs_from: str | None = None        # one job per specification of this config section ({spec})
    # sections of which the stage reads only these keys: not a file input of the Snakemake rule but
    # a hash of the keys' values in its params (editing a specification does not rerun the stage)
    section_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def log(self) -> str:
        return f"logs/{self.name}/{SPEC}.log" if self.jobs_from else f"logs/{self.name}.log"

    def command(self, config: str = DEFAULT_CONFIG, params: str | None = None, spec: str | None = None) -> str:
        """The command line; ``params``: the DVC parameters file (dvc.yaml's commands); ``spec``: what
        replaces the wildcard ``{spec}`` of a per-specification stage (``{wildcards.spec}`` in the
        Snakemake rule, ``${item}`` in dvc.yaml's ``foreach``)."""
        args = f" {self.args}" if self.args else ""
        overlay = f" --params {params}" if params else ""
        line = f"clusternet --log {self.log}{overlay} {self.subcommand}{args} --config {config}"
        return line.replace(SPEC, spec) if spec is not None else line

    @property
    def benchmark(self) -> str:
        """Snakemake's benchmark file of the job (git-ignored; not an output, not in dvc.yaml)."""
        return f"{BENCHMARK_DIR}/{self.name}/{SPEC}.tsv" if self.jobs_from else f"{BENCHMARK_DIR}/{self.name}.tsv"

    @property
    def file_sections(self) -> tuple[str, ...]:
        """Sections whose files are inputs (the specifications' own section of a per-specification stage
        and the ``section_keys`` sections are params instead, see :func:`specification_params`)."""
        partial = {s for s, _ in self.section_keys}
        return tuple(s for s in self.sections if s not in partial and s != self.jobs_from)

    @property
    def final_targets(self) -> tuple[str, ...]:
        return self.outputs if self.targets is None else self.targets


def _schemas(*names: str) -> tuple[str, ...]:
    return names


SPEC = "{spec}"  # the wildcard of per-specification stages (Stage.jobs_from)
_MODEL_DOC = f"results/models/{SPEC}.json"
_MODELS_INDEX = "results/models/index.json"
# The spatial stages read only these keys of models.yaml (the analysis panel's merge tables), not
# the specifications
_MERGE_TABLES = (("models", ("merge_tables",)),)


_PANEL = "data/processed/panel.parquet"
_INDICES = "data/processed/indices.parquet"
_NODES = "data/processed/network_nodes.parquet"
_WEIGHTS = "data/interim/weights"

_STAGES: tuple[Stage, ...] = (
    Stage("acquire", "acquire", ("sources",), _schemas("sources"), (), ("data/raw/upstream",),
          directories=frozenset({"data/raw/upstream"}), entry=("clusternet.data.sources",), targets=()),
    Stage("panel", "panel", ("sources", "items", "codebook", "panel"),
          _schemas("sources", "items", "codebook", "panel"),
          ("data/raw/upstream",),
          (_PANEL, "data/processed/panel.csv", "data/processed/panel.dta", "data/processed/imputed.parquet",
           "results/data/quality.json", "results/data/quality.md", "results/data/coverage.csv",
           "results/data/coverage.png", "results/data/coverage.pdf", "results/data/coverage.zh.png",
           "results/data/artefacts.json"),
          entry=("clusternet.data.outputs", "clusternet.data.panel"),
          targets=(_PANEL, "results/data/quality.json", "results/data/artefacts.json")),
    Stage("codebook", "codebook", ("codebook", "panel"), _schemas("codebook", "panel"), (),
          ("results/data/codebook.md",), entry=("clusternet.data.codebook",)),
    Stage("indices", "indices", ("indicators", "codebook"), _schemas("indicators", "codebook"), (_PANEL,),
          (_INDICES, "results/indices/weights.csv", "results/indices/rank_correlation.csv", "results/indices/ranks.csv",
           "results/indices/group_means.csv", "results/indices/concentration.csv", "results/indices/group_trend.png",
           "results/indices/group_trend.pdf", "results/indices/group_trend.zh.png", "results/indices/artefacts.json"),
          entry=("clusternet.indices.stages:run_indices",), targets=(_INDICES, "results/indices/artefacts.json")),
    Stage("disparity", "disparity", ("indicators", "codebook"), _schemas("indicators", "codebook"), (_PANEL, _INDICES),
          ("results/disparity/dagum.csv", "results/disparity/theil.csv", "results/disparity/sigma.csv",
           "results/disparity/convergence.csv", "results/disparity/markov.csv", "results/disparity/spatial_markov.csv",
           "results/disparity/beta_absolute.json", "results/disparity/beta_conditional.json",
           "results/disparity/kde.csv", "results/disparity/kde.png", "results/disparity/kde.pdf",
           "results/disparity/kde.zh.png", "results/disparity/artefacts.json"),
          entry=("clusternet.indices.stages:run_disparity",), targets=("results/disparity/artefacts.json",)),
    Stage("network", "network", ("network", "codebook", "indicators"), _schemas("network"), (_PANEL,),
          (_NODES, "data/processed/network_level.parquet", "data/processed/network_edges.parquet",
           "results/network/network_level.csv", "results/network/validity.csv",
           "results/network/validity_by_year.csv", "results/network/validity.json", "results/network/validity.md",
           "results/network/network.json", "results/network/maps.png", "results/network/maps.pdf",
           "results/network/distributions.png", "results/network/distributions.pdf",
           "results/network/maps.zh.png", "results/network/distributions.zh.png",
           "results/network/artefacts.json"),
          entry=("clusternet.network.stages:run_network",), targets=(_NODES, "results/network/artefacts.json")),
    Stage("qap", "qap", ("network", "codebook", "indicators"), _schemas("network"),
          (_PANEL, _INDICES, "data/processed/network_edges.parquet"),
          ("results/network/qap.json", "results/network/qap.csv", "results/network/qap_calibration.csv",
           "results/qap/artefacts.json"),
          entry=("clusternet.network.stages:run_qap",), targets=("results/qap/artefacts.json",),
          note="indices.parquet is read only when a QAP matrix has source: indices; always an input so that "
               "the DAG does not depend on the config's contents"),
    # One job per specification of models.yaml (`clusternet models --spec NAME` writes
    # results/models/NAME.json only), then `models_index` gathers results/models/index.json.
    Stage("models", "models", ("models", "network", "codebook", "indicators", "policies"),
          _schemas("models", "policies"),
          (_PANEL, _INDICES, _NODES, _WEIGHTS), (_MODEL_DOC,), entry=("clusternet.models.runner:run_specification",),
          args=f"--spec {SPEC}", jobs_from="models"),
    Stage("models_index", "models", ("models", "network", "codebook", "indicators", "policies"),
          _schemas("models", "policies"), (_MODEL_DOC,), (_MODELS_INDEX,),
          entry=("clusternet.models.runner:write_models_index",), args="--index",
          note="the gather of the per-specification jobs: the index of results/models/ (and it removes "
               "documents of specifications no longer configured)"),
    Stage("weights", "weights", ("spatial",), _schemas("spatial"), (_PANEL,), (_WEIGHTS,),
          directories=frozenset({_WEIGHTS}), entry=("clusternet.spatial.stages:run_weights",), targets=()),
    Stage("spatial_explore", "spatial-explore", ("spatial", "models"), _schemas("spatial"),
          (_WEIGHTS, _PANEL, _INDICES, _NODES),
          ("results/spatial/moran.csv", "results/spatial/artefacts.json", "results/spatial/figures"),
          directories=frozenset({"results/spatial/figures"}), entry=("clusternet.spatial.stages:run_explore",),
          section_keys=_MERGE_TABLES),
    Stage("spatial_models", "spatial-models", ("spatial", "models"), _schemas("spatial"),
          (_WEIGHTS, _PANEL, _INDICES, _NODES), ("results/spatial/models",),
          directories=frozenset({"results/spatial/models"}),
          entry=("clusternet.spatial.stages:run_spatial_models",), section_keys=_MERGE_TABLES),
    Stage("efficiency", "efficiency", ("modes",), _schemas("modes"), (_PANEL, _INDICES),
          ("data/processed/efficiency.parquet", "results/efficiency/efficiency.csv",
           "results/efficiency/efficiency_by_year.csv", "results/efficiency/malmquist.csv",
           "results/efficiency/second_stage.json", "results/efficiency/efficiency.json",
           "results/efficiency/efficiency.png", "results/efficiency/efficiency.pdf",
           "results/efficiency/efficiency.zh.png",
           "results/efficiency/artefacts.json"),
          entry=("clusternet.efficiency.stage:run_efficiency",)),
    Stage("modes", "modes", ("modes", "models"), _schemas("modes"), (_PANEL, _INDICES, _NODES,
                                                                        "data/processed/efficiency.parquet"),
          ("data/processed/modes.parquet", "results/modes/models", "results/modes/transitions.csv",
           "results/modes/spatial_transitions.csv", "results/modes/classification.csv",
           "results/modes/mode_counts.csv", "results/modes/stability.csv", "results/modes/heterogeneity.csv",
           "results/modes/modes.json", "results/modes/mode_maps.png", "results/modes/mode_maps.pdf",
           "results/modes/stability.png", "results/modes/stability.pdf",
           "results/modes/mode_maps.zh.png", "results/modes/stability.zh.png", "results/modes/artefacts.json"),
          directories=frozenset({"results/modes/models"}), entry=("clusternet.modes.stage:run_modes",),
          section_keys=_MERGE_TABLES),
    Stage("hypotheses", "hypotheses", ("hypotheses",), _schemas("hypotheses"),
          (_MODELS_INDEX, _MODEL_DOC, "results/spatial/models", _PANEL, _INDICES, _NODES, _WEIGHTS,
           "results/modes/models"),
          ("results/hypotheses/verdicts.json", "results/hypotheses/verdicts.md", "results/hypotheses/spec_curves"),
          directories=frozenset({"results/hypotheses/spec_curves"}), entry=("clusternet.hypotheses.stage:run",)),
    # The maps' geometries (provinces, Taiwan, Hong Kong, Macau, the maritime line) parsed and
    # simplified once from the boundary package (issue 19); the report reads this file.
    Stage("geometry", "geometry", (), (), (), ("data/interim/geometry/china.json",),
          entry=("clusternet.report.cli:run_geometry",)),
    # The report reads every final output of the other stages (added in `stage_inputs`) and every
    # config section (the config hash in each table's provenance covers them all).
    Stage("report", "report", ("*",), _schemas("report"), (),
          ("results/report", "results/metrics.json", "results/manifest.json"),
          directories=frozenset({"results/report"}), entry=("clusternet.report.build:build_report",),
          metrics=("results/metrics.json",)),
    # Not in `rule all`: the package records the git state of the code, which is not an input of the
    # DAG; it is a release step run on purpose (`snakemake package`, `dvc repro package`).
    Stage("package", "package", (), _schemas("package"),
          ("config/package.yaml", "requirements.lock", "results/report", "results/manifest.json"),
          ("dist/replication", "dist/replication.zip", "dist/replication.zip.sha256", "dist/replication.tar.gz",
           "dist/replication.tar.gz.sha256"),
          directories=frozenset({"dist/replication"}), entry=("clusternet.replication.build:build_package",),
          args="dist/replication", in_all=False),
)

STAGES: dict[str, Stage] = {s.name: s for s in _STAGES}

# DVC parameters (params.yaml, generated by `clusternet dag --dvc` from config/config.yaml): the
# global keys `dvc params diff` shows and `dvc exp run -S KEY=VALUE` sets; every stage takes them
# (the config hash in each output's provenance covers the global config).
PARAMS_FILE = "params.yaml"
PARAM_KEYS = ("seed", "years")


def expand(paths, specs: Sequence[str] | None = None) -> list[str]:
    """``paths`` with ``{spec}`` replaced by every name of ``specs`` (kept as a pattern when ``specs`` is
    None)."""
    out: list[str] = []
    for p in paths:
        for q in ([p.replace(SPEC, n) for n in specs] if SPEC in p and specs is not None else [p]):
            if q not in out:
                out.append(q)
    return out


def specification_names(config, section: str = "models") -> list[str]:
    """The specification names of a config section (the values of ``{spec}``), in file order."""
    return [str(s["name"]) for s in config.section(section).get("specifications") or []]


def outputs(name: str, specs: Sequence[str] | None = None) -> list[str]:
    return expand(STAGES[name].outputs, specs)


def all_targets(specs: Sequence[str] | None = None) -> list[str]:
    """What `rule all` requests: the final outputs of every stage in `rule all`, in table order."""
    out: list[str] = []
    for s in _STAGES:
        if s.in_all:
            out += [t for t in expand(s.final_targets, specs) if t not in out]
    return out


def report_data_inputs(specs: Sequence[str] | None = None) -> list[str]:
    """The report's data inputs: every final output of the other stages in `rule all` (sorted)."""
    return sorted({t for s in _STAGES if s.in_all and s.name != "report" for t in expand(s.final_targets, specs)})


def data_inputs(name: str, specs: Sequence[str] | None = None) -> list[str]:
    stage = STAGES[name]
    return report_data_inputs(specs) if name == "report" else expand(stage.inputs, specs)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def specification_params(config, name: str) -> dict[str, str]:
    """What a Snakemake rule takes from config sections that are not its file inputs, as hashes in its
    ``params`` (rerun trigger ``params``): for a per-specification stage, {spec: hash of the section
    without the other specifications}; for ``section_keys``, {"<section>": hash of those keys}.

    So editing one specification of models.yaml reruns that specification's job only (and the stages
    that read the whole file), while ``snakemake -n`` still sees every change that matters to a job."""
    stage = STAGES[name]
    out: dict[str, str] = {}
    if stage.jobs_from:
        section = config.section(stage.jobs_from)
        common = {k: v for k, v in section.items() if k != "specifications"}
        for spec in section.get("specifications") or []:
            out[str(spec["name"])] = _digest({"section": common, "specification": spec})
    for sec, keys in stage.section_keys:
        data = config.section(sec)
        out[sec] = _digest({k: data.get(k) for k in keys})
    return out


def output_path(name: str, template: str, root=None, **wildcards: str) -> Path:
    """The output ``template`` of stage ``name`` (one of its outputs in the table, e.g.
    ``results/models/{spec}.json``) with the wildcards filled in: the one place stage code takes an
    output path from. ``root``: the results directory of the config (``config.path_of("results")``)
    replacing the table's ``results/`` prefix (configs and tests that write elsewhere)."""
    stage = STAGES[name]
    if template not in stage.outputs:
        raise KeyError(f"stage {name!r} has no output {template!r} (stage table: {', '.join(stage.outputs)})")
    path = template.format(**wildcards) if wildcards else template
    if root is not None and path.startswith("results/"):
        return Path(root) / path[len("results/"):]
    return Path(path)


def section_names(name: str, configured: list[str], files_only: bool = False) -> list[str]:
    """The config sections a stage reads (``*``: every configured section, sorted); ``files_only``: only
    those whose files are inputs of the Snakemake rule (:attr:`Stage.file_sections`; dvc.yaml keeps
    every section file as a dependency, DVC has no per-specification parameter)."""
    stage = STAGES[name]
    if stage.sections == ("*",):
        return sorted(configured)
    return list(stage.file_sections if files_only else stage.sections)


def schema_files(name: str) -> list[str]:
    return [f"config/schemas/{n}.schema.yaml" for n in STAGES[name].schemas]
