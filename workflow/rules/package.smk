# Replication package (issue 20): `clusternet package dist/replication` writes the package
# directory and its deterministic archives from the finished run (the report's items.json and
# results/manifest.json). Include it after report.smk. It is not in `rule all`: run it with
# `snakemake --cores 2 package` (or `dvc repro package`). Reason: the package records the git
# state of the code (commit, uncommitted changes), which is not an input of the DAG, so it is a
# release step run on purpose after a commit, not a by-product of every run; it also copies
# every result (~a few seconds, not the reason).
PACKAGE_DIR = "dist/replication"


rule package:
    input:
        "config/package.yaml",
        "config/schemas/package.schema.yaml",
        "requirements.lock",
        "results/report",
        "results/manifest.json",
        config=CONFIG,
    output:
        directory(PACKAGE_DIR),
        f"{PACKAGE_DIR}.zip",
        f"{PACKAGE_DIR}.zip.sha256",
        f"{PACKAGE_DIR}.tar.gz",
        f"{PACKAGE_DIR}.tar.gz.sha256",
    log:
        "logs/package.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} package dist/replication --config {input.config}"
