# clusternet workflow. Thin by design: every rule calls one `clusternet`
# sub-command; inputs, outputs and code dependencies come from the stage table
# (src/clusternet/workflow/stages.py), from which dvc.yaml is generated
# (`clusternet dag --dvc`; tests/workflow/test_dag_mirror.py and test_stage_table.py check both).
# Overrides work: `snakemake --config seed=1`, `--configfile config/test/config.yaml` (the rules
# get the merged, validated config; workflow/rules/common.smk).
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("8.0")

configfile: "config/config.yaml"

# DVC parameters (`dvc exp run -S seed=1` edits params.yaml, not the commented config): their keys
# replace those of config/config.yaml here as in the dvc.yaml commands (`clusternet --params`);
# --config / --configfile still win.
if Path("params.yaml").exists():
    workflow.configfile("params.yaml")

validate(config, "config/schemas/config.schema.yaml")

include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/indices.smk"
include: "workflow/rules/network.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/spatial.smk"
include: "workflow/rules/modes.smk"
include: "workflow/rules/hypotheses.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/package.smk"


rule all:
    input:
        ALL_TARGETS,
    default_target: True


# Passed on to every job, also by executors that do not share the submitting shell's environment
# (SLURM: profiles/slurm). Declared only when set: without the offline mirror the pipeline downloads,
# and an `envvars:` declaration would make the variable mandatory.
import os

if "CLUSTERNET_MIRROR" in os.environ:

    envvars:
        "CLUSTERNET_MIRROR",
