# Shared helpers for the rules. The graph lives in the package's stage table
# (src/clusternet/workflow/stages.py): each rule takes its inputs and outputs from it, and its code
# dependencies (every source file the stage imports, from the import graph) are inputs too, so
# that editing e.g. src/clusternet/models/linear.py makes `snakemake -n` list `models` and its
# dependants (Snakemake's default rerun triggers include mtime and the input set). dvc.yaml is
# generated from the same table (`clusternet dag --dvc`).
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))  # this checkout's package, not another install

from clusternet.workflow.codedeps import code_dependencies  # noqa: E402
from clusternet.workflow.effective import effective_config  # noqa: E402
from clusternet.workflow.stages import (  # noqa: E402
    STAGES,
    all_targets,
    data_inputs,
    outputs,
    section_names,
    specification_names,
    specification_params,
)

# The effective config: Snakemake's `config` (configfile + --configfile + --config merged), every
# section file validated now (a typo fails `snakemake -n` naming the file and the key). The rules
# pass it to every command: config/config.yaml itself when nothing overrides it, otherwise the
# merged file under resources/config/ (clusternet/workflow/effective.py).
EFFECTIVE = effective_config(config, workflow.overwrite_configfiles or ())
CONFIG = EFFECTIVE.path.as_posix()
SCHEMA_DIR = Path(os.path.relpath(EFFECTIVE.path.parent / (EFFECTIVE.main.get("schemas") or "schemas"))).as_posix()

# The specification names of models.yaml: one `models` job each (results/models/{spec}.json).
SPECS = specification_names(EFFECTIVE)
SPEC_PATTERN = "|".join(map(re.escape, SPECS)) or "(?!)"  # only configured names match the wildcard

# The final outputs that `rule all` requests (every stage in `rule all`, from the table).
ALL_TARGETS = all_targets(SPECS)

# The software environment of every rule (used with --use-conda); the same
# dependencies as pyproject.toml.
CONDA_ENV = "../envs/clusternet.yaml"


def section(name):
    """Path of a config section file, e.g. section("sources") -> config/sources.yaml."""
    return Path(os.path.relpath(EFFECTIVE.section_file(name))).as_posix()


def stage_input(name):
    """Positional inputs of a stage: its section files, their schemas, its data inputs and its code.

    Sections a stage reads only in part (the specifications of a per-specification stage, the
    ``section_keys``) are not file inputs: their hashes are the rule's params (`stage_params`), so
    editing one specification reruns only its job and the stages that read the whole file."""
    sections = [section(s) for s in section_names(name, list(EFFECTIVE.main["sections"]), files_only=True)]
    schemas = [f"{SCHEMA_DIR}/{s}.schema.yaml" for s in STAGES[name].schemas]
    # the code paths relative to the working directory (`snakemake -d simulated` runs elsewhere)
    code = [os.path.relpath(Path(workflow.basedir) / f) for f in code_dependencies(STAGES[name].entry)]
    return [*sections, *schemas, *data_inputs(name, SPECS), *code]


def stage_output(name):
    """Outputs of a stage (directories marked as such; `{spec}` stays a wildcard)."""
    stage = STAGES[name]
    return [directory(o) if o in stage.directories else o for o in outputs(name)]


def stage_params(name):
    """The rule's params: hashes of what it reads from sections that are not its file inputs
    (Snakemake's `params` rerun trigger); per-specification stages: a function of the wildcard."""
    hashes = specification_params(EFFECTIVE, name)
    if STAGES[name].jobs_from:
        shared = {k: v for k, v in hashes.items() if k not in SPECS}
        return lambda wildcards: {"specification": hashes[wildcards.spec], **shared}
    return hashes


def stage_shell(name):
    return STAGES[name].command("{input.config}", spec="{wildcards.spec}" if STAGES[name].jobs_from else None)


def stage_log(name):
    return STAGES[name].log


def stage_benchmark(name):
    """Snakemake's per-job benchmark file (CPU, wall time, memory; benchmarks/bench_pipeline.py)."""
    return STAGES[name].benchmark
