"""The stage table: one entry per pipeline stage (a Snakemake rule and a dvc.yaml stage).

Each stage names its ``clusternet`` sub-command, the config sections and schemas it reads, its data
inputs and outputs, and the entry modules of its code; the code dependencies are computed from the
import graph (:func:`clusternet.workflow.codedeps.code_dependencies`). The Snakemake rules
(workflow/rules/*.smk) read their inputs and outputs from here, and ``dvc.yaml`` is generated from it
(``clusternet dag --dvc``; tests/workflow/test_stage_table.py fails when the committed file is stale).

To add a stage: add a :class:`Stage` here, a rule in workflow/rules/<domain>.smk that uses
``stage_input(name)`` / ``stage_output(name)``, and regenerate dvc.yaml (``clusternet dag --dvc``)."""
from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def log(self) -> str:
        return f"logs/{self.name}.log"

    @property
    def benchmark(self) -> str:
        """Snakemake's per-rule benchmark file (wall, memory, sampled CPU; issue 19): git-ignored,
        not an output (not in dvc.yaml, not compared); benchmarks/bench_pipeline.py reads them."""
        return f"{BENCHMARK_DIR}/{self.name}.tsv"

    def command(self, config: str = DEFAULT_CONFIG, params: str | None = None) -> str:
        """The command line; ``params``: the DVC parameters file (dvc.yaml's commands)."""
        args = f" {self.args}" if self.args else ""
        overlay = f" --params {params}" if params else ""
        return f"clusternet --log {self.log}{overlay} {self.subcommand}{args} --config {config}"

    @property
    def final_targets(self) -> tuple[str, ...]:
        return self.outputs if self.targets is None else self.targets


def _schemas(*names: str) -> tuple[str, ...]:
    return names


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
           "results/data/coverage.png", "results/data/coverage.pdf", "results/data/artefacts.json"),
          entry=("clusternet.data.outputs", "clusternet.data.panel"),
          targets=(_PANEL, "results/data/quality.json", "results/data/artefacts.json")),
    Stage("codebook", "codebook", ("codebook", "panel"), _schemas("codebook", "panel"), (),
          ("results/data/codebook.md",), entry=("clusternet.data.codebook",)),
    Stage("indices", "indices", ("indicators", "codebook"), _schemas("indicators", "codebook"), (_PANEL,),
          (_INDICES, "results/indices/weights.csv", "results/indices/rank_correlation.csv", "results/indices/ranks.csv",
           "results/indices/group_means.csv", "results/indices/concentration.csv", "results/indices/group_trend.png",
           "results/indices/group_trend.pdf", "results/indices/artefacts.json"),
          entry=("clusternet.indices.stages:run_indices",), targets=(_INDICES, "results/indices/artefacts.json")),
    Stage("disparity", "disparity", ("indicators", "codebook"), _schemas("indicators", "codebook"), (_PANEL, _INDICES),
          ("results/disparity/dagum.csv", "results/disparity/theil.csv", "results/disparity/sigma.csv",
           "results/disparity/convergence.csv", "results/disparity/markov.csv", "results/disparity/spatial_markov.csv",
           "results/disparity/beta_absolute.json", "results/disparity/beta_conditional.json",
           "results/disparity/kde.csv", "results/disparity/kde.png", "results/disparity/kde.pdf",
           "results/disparity/artefacts.json"),
          entry=("clusternet.indices.stages:run_disparity",), targets=("results/disparity/artefacts.json",)),
    Stage("network", "network", ("network", "codebook", "indicators"), _schemas("network"), (_PANEL,),
          (_NODES, "data/processed/network_level.parquet", "data/processed/network_edges.parquet",
           "results/network/network_level.csv", "results/network/validity.csv",
           "results/network/validity_by_year.csv", "results/network/validity.json", "results/network/validity.md",
           "results/network/network.json", "results/network/maps.png", "results/network/maps.pdf",
           "results/network/distributions.png", "results/network/distributions.pdf",
           "results/network/artefacts.json"),
          entry=("clusternet.network.stages:run_network",), targets=(_NODES, "results/network/artefacts.json")),
    Stage("qap", "qap", ("network", "codebook", "indicators"), _schemas("network"),
          (_PANEL, _INDICES, "data/processed/network_edges.parquet"),
          ("results/network/qap.json", "results/network/qap.csv", "results/network/qap_calibration.csv",
           "results/qap/artefacts.json"),
          entry=("clusternet.network.stages:run_qap",), targets=("results/qap/artefacts.json",),
          note="indices.parquet is read only when a QAP matrix has source: indices; always an input so that "
               "the DAG does not depend on the config's contents"),
    Stage("models", "models", ("models", "network", "codebook", "indicators", "policies"),
          _schemas("models", "policies"),
          (_PANEL, _INDICES, _NODES, _WEIGHTS), ("results/models",), directories=frozenset({"results/models"}),
          entry=("clusternet.models.runner:run_models",)),
    Stage("weights", "weights", ("spatial",), _schemas("spatial"), (_PANEL,), (_WEIGHTS,),
          directories=frozenset({_WEIGHTS}), entry=("clusternet.spatial.stages:run_weights",), targets=()),
    Stage("spatial_explore", "spatial-explore", ("spatial", "models"), _schemas("spatial"),
          (_WEIGHTS, _PANEL, _INDICES, _NODES),
          ("results/spatial/moran.csv", "results/spatial/artefacts.json", "results/spatial/figures"),
          directories=frozenset({"results/spatial/figures"}), entry=("clusternet.spatial.stages:run_explore",)),
    Stage("spatial_models", "spatial-models", ("spatial", "models"), _schemas("spatial"),
          (_WEIGHTS, _PANEL, _INDICES, _NODES), ("results/spatial/models",),
          directories=frozenset({"results/spatial/models"}),
          entry=("clusternet.spatial.stages:run_spatial_models",)),
    Stage("efficiency", "efficiency", ("modes",), _schemas("modes"), (_PANEL, _INDICES),
          ("data/processed/efficiency.parquet", "results/efficiency/efficiency.csv",
           "results/efficiency/efficiency_by_year.csv", "results/efficiency/malmquist.csv",
           "results/efficiency/second_stage.json", "results/efficiency/efficiency.json",
           "results/efficiency/efficiency.png", "results/efficiency/efficiency.pdf",
           "results/efficiency/artefacts.json"),
          entry=("clusternet.efficiency.stage:run_efficiency",)),
    Stage("modes", "modes", ("modes", "models"), _schemas("modes"), (_PANEL, _INDICES, _NODES,
                                                                        "data/processed/efficiency.parquet"),
          ("data/processed/modes.parquet", "results/modes/models", "results/modes/transitions.csv",
           "results/modes/spatial_transitions.csv", "results/modes/classification.csv",
           "results/modes/mode_counts.csv", "results/modes/stability.csv", "results/modes/heterogeneity.csv",
           "results/modes/modes.json", "results/modes/mode_maps.png", "results/modes/mode_maps.pdf",
           "results/modes/stability.png", "results/modes/stability.pdf", "results/modes/artefacts.json"),
          directories=frozenset({"results/modes/models"}), entry=("clusternet.modes.stage:run_modes",)),
    Stage("hypotheses", "hypotheses", ("hypotheses",), _schemas("hypotheses"),
          ("results/models", "results/spatial/models", _PANEL, _INDICES, _NODES, _WEIGHTS, "results/modes/models"),
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


def all_targets() -> list[str]:
    """What `rule all` requests: the final outputs of every stage in `rule all`, in table order."""
    out: list[str] = []
    for s in _STAGES:
        if s.in_all:
            out += [t for t in s.final_targets if t not in out]
    return out


def report_data_inputs() -> list[str]:
    """The report's data inputs: every final output of the other stages in `rule all` (sorted)."""
    return sorted({t for s in _STAGES if s.in_all and s.name != "report" for t in s.final_targets})


def data_inputs(name: str) -> list[str]:
    stage = STAGES[name]
    return report_data_inputs() if name == "report" else list(stage.inputs)


def section_names(name: str, configured: list[str]) -> list[str]:
    """The config sections a stage reads (``*``: every configured section, sorted)."""
    stage = STAGES[name]
    return sorted(configured) if stage.sections == ("*",) else list(stage.sections)


def schema_files(name: str) -> list[str]:
    return [f"config/schemas/{n}.schema.yaml" for n in STAGES[name].schemas]
