# Report stage: tables, figures, the HTML report, results/metrics.json (DVC metrics)
# and results/manifest.json (sha256 of every file under results/). Include it after
# every other rules file: the manifest lists what the other stages wrote.
# Inputs: every final output the other rules files put in ALL_TARGETS (this file is
# included last), so the report and its manifest see every stage's results, plus every
# config section (the config hash in each table's provenance covers them all).
# dvc.yaml lists the same files literally: tests/workflow/test_dag_mirror.py fails when a
# stage adds a target or config.yaml a section and the dvc `report` stage was not updated.
REPORT_INPUTS = sorted(set(ALL_TARGETS))


rule report:
    input:
        [section(name) for name in sorted(config["sections"])],
        "config/schemas/report.schema.yaml",
        REPORT_INPUTS,
        config=CONFIG,
    output:
        report(directory("results/report"), caption="../report/report.rst", htmlindex="index.html",
               category="Report"),
        report("results/metrics.json", caption="../report/metrics.rst", category="Report"),
        "results/manifest.json",
    log:
        "logs/report.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} report --config {input.config}"


ALL_TARGETS.extend(["results/report", "results/metrics.json", "results/manifest.json"])
