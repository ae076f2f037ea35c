# Hypotheses stage: evaluate config/hypotheses.yaml against the result documents
# -> results/hypotheses/verdicts.json (+ verdicts.md). Entries read results/models/
# (source: models) and results/spatial/models/ (source: spatial, e.g. M1-sharing).


rule hypotheses:
    input:
        section("hypotheses"),
        "config/schemas/hypotheses.schema.yaml",
        "results/models",
        "results/spatial/models",
        # research design v2: the analysis panel (wild bootstrap, simulated power, spec curves)
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
        "data/interim/weights",
        "results/modes/models",
        config=CONFIG,
    output:
        "results/hypotheses/verdicts.json",
        "results/hypotheses/verdicts.md",
        directory("results/hypotheses/spec_curves"),
    log:
        "logs/hypotheses.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} hypotheses --config {input.config}"


ALL_TARGETS.extend(["results/hypotheses/verdicts.json", "results/hypotheses/verdicts.md",
                    "results/hypotheses/spec_curves"])
