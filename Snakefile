# clusternet workflow. Thin by design: every rule calls one `clusternet`
# sub-command, and dvc.yaml calls the same sub-commands with the same inputs
# and outputs (tests/workflow/test_dag_mirror.py checks that).
from snakemake.utils import min_version, validate

min_version("8.0")

configfile: "config/config.yaml"

validate(config, "config/schemas/config.schema.yaml")

CONFIG = "config/config.yaml"


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
