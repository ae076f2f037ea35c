# Shared helpers for the rules. The graph lives in the package's stage table
# (src/clusternet/workflow/stages.py): each rule takes its inputs and outputs from it, and its code
# dependencies (every source file the stage imports, from the import graph) are inputs too, so
# that editing e.g. src/clusternet/models/linear.py makes `snakemake -n` list `models` and its
# dependants (Snakemake's default rerun triggers include mtime and the input set). dvc.yaml is
# generated from the same table (`clusternet dag --dvc`).
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))  # this checkout's package, not another install

from clusternet.workflow.codedeps import code_dependencies  # noqa: E402
from clusternet.workflow.effective import effective_config  # noqa: E402
from clusternet.workflow.stages import STAGES, all_targets, data_inputs, section_names  # noqa: E402

# The effective config: Snakemake's `config` (configfile + --configfile + --config merged), every
# section file validated now (a typo fails `snakemake -n` naming the file and the key). The rules
# pass it to every command: config/config.yaml itself when nothing overrides it, otherwise the
# merged file under resources/config/ (clusternet/workflow/effective.py).
EFFECTIVE = effective_config(config, workflow.overwrite_configfiles or ())
CONFIG = EFFECTIVE.path.as_posix()
SCHEMA_DIR = Path(os.path.relpath(EFFECTIVE.path.parent / (EFFECTIVE.main.get("schemas") or "schemas"))).as_posix()

# The final outputs that `rule all` requests (every stage in `rule all`, from the table).
ALL_TARGETS = all_targets()

# The software environment of every rule (used with --use-conda); the same
# dependencies as pyproject.toml.
CONDA_ENV = "../envs/clusternet.yaml"


def section(name):
    """Path of a config section file, e.g. section("sources") -> config/sources.yaml."""
    return Path(os.path.relpath(EFFECTIVE.section_file(name))).as_posix()


def stage_input(name):
    """Positional inputs of a stage: its section files, their schemas, its data inputs and its code."""
    sections = [section(s) for s in section_names(name, list(EFFECTIVE.main["sections"]))]
    schemas = [f"{SCHEMA_DIR}/{s}.schema.yaml" for s in STAGES[name].schemas]
    # code paths are relative to the checkout: from another working directory (`-d simulated`,
    # docs/simulate.md) they point back into it (identical strings when run from the checkout)
    code = [Path(os.path.relpath(Path(workflow.basedir) / f)).as_posix() for f in code_dependencies(STAGES[name].entry)]
    return [*sections, *schemas, *data_inputs(name), *code]


def stage_output(name):
    """Outputs of a stage (directories marked as such)."""
    stage = STAGES[name]
    return [directory(o) if o in stage.directories else o for o in stage.outputs]


def stage_benchmark(name):
    """Per-rule benchmark file (benchmarks/.results/rules/<name>.tsv; benchmarks/bench_pipeline.py)."""
    return STAGES[name].benchmark


def stage_shell(name):
    return STAGES[name].command("{input.config}")
