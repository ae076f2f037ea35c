# Report stage: tables, figures, the HTML report, results/metrics.json (DVC metrics)
# and results/manifest.json (sha256 of every file under results/). Include it after
# every other rules file: the manifest lists what the other stages wrote.
# The inputs are the final outputs of the other stages plus every config section
# (the config hash in each table's provenance covers all sections).
# dvc.yaml lists the section files literally: keep it in step with config.yaml `sections:`.
# TODO(lead): add the network and spatial stages' final outputs here and in the dvc.yaml
# `report` stage once their rules exist (e.g. data/processed/network_nodes.parquet,
# results/network/artefacts.json, results/spatial/...).


rule report:
    input:
        CONFIG,
        [section(name) for name in sorted(config["sections"])],
        "config/schemas/report.schema.yaml",
        "data/processed/panel.parquet",
        "results/data/quality.json",
        "results/data/artefacts.json",
        "results/data/codebook.md",
        "data/processed/indices.parquet",
        "results/indices/artefacts.json",
        "results/disparity/artefacts.json",
        "results/models",
        "results/hypotheses/verdicts.json",
    output:
        report(directory("results/report"), caption="../report/report.rst", htmlindex="index.html",
               category="Report"),
        report("results/metrics.json", caption="../report/metrics.rst", category="Report"),
        "results/manifest.json",
    shell:
        "clusternet report --config {CONFIG}"


ALL_TARGETS.extend(["results/report", "results/metrics.json", "results/manifest.json"])
