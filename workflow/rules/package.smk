# Replication package (issue 20): `clusternet package dist/replication` writes the package
# directory and its deterministic archives from the finished run (the report's items.json and
# results/manifest.json). It is not in `rule all`: run it with `snakemake --cores 2 package`
# (or `dvc repro package`). Reason: the package records the git state of the code (commit,
# uncommitted changes), which is not an input of the DAG, so it is a release step run on purpose
# after a commit, not a by-product of every run. Inputs and outputs: the stage table.


rule package:
    input:
        stage_input("package"),
        config=CONFIG,
    output:
        stage_output("package"),
    log:
        "logs/package.log",
    benchmark:
        stage_benchmark("package")
    conda:
        CONDA_ENV
    shell:
        stage_shell("package")
