# Hypotheses stage: evaluate config/hypotheses.yaml against the result documents
# -> results/hypotheses/verdicts.json (+ verdicts.md). Entries read results/models/
# (source: models) and results/spatial/models/ (source: spatial, e.g. M1-sharing).


rule hypotheses:
    input:
        section("hypotheses"),
        "config/schemas/hypotheses.schema.yaml",
        "results/models",
        "results/spatial/models",
        "results/modes/models",
        config=CONFIG,
    output:
        "results/hypotheses/verdicts.json",
        "results/hypotheses/verdicts.md",
    log:
        "logs/hypotheses.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} hypotheses --config {input.config}"


ALL_TARGETS.extend(["results/hypotheses/verdicts.json", "results/hypotheses/verdicts.md"])
