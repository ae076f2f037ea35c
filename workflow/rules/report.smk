# Report stage: tables, figures, the HTML report, results/metrics.json (DVC metrics)
# and results/manifest.json (sha256 of every file under results/). Its inputs (stage table,
# clusternet/workflow/stages.py): every final output of the other stages in `rule all`, and every
# config section (the config hash in each table's provenance covers them all).


# The simplified map geometries, parsed once (data/interim/geometry/china.json).
rule geometry:
    input:
        stage_input("geometry"),
        config=CONFIG,
    output:
        stage_output("geometry"),
    log:
        "logs/geometry.log",
    benchmark:
        stage_benchmark("geometry")
    conda:
        CONDA_ENV
    shell:
        stage_shell("geometry")


rule report:
    input:
        stage_input("report"),
        config=CONFIG,
    output:
        report(directory("results/report"), caption="../report/report.rst", htmlindex="index.html",
               category="Report"),
        report("results/metrics.json", caption="../report/metrics.rst", category="Report"),
        "results/manifest.json",
    log:
        "logs/report.log",
    benchmark:
        stage_benchmark("report")
    conda:
        CONDA_ENV
    shell:
        stage_shell("report")
