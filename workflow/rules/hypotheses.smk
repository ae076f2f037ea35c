# Hypotheses stage: evaluate config/hypotheses.yaml against the result documents
# -> results/hypotheses/verdicts.json (+ verdicts.md). Entries read results/models/
# (source: models) and results/spatial/models/ (source: spatial, e.g. M1-sharing).


rule hypotheses:
    input:
        CONFIG,
        section("hypotheses"),
        "config/schemas/hypotheses.schema.yaml",
        "results/models",
        "results/spatial/models",
    output:
        "results/hypotheses/verdicts.json",
        "results/hypotheses/verdicts.md",
    shell:
        "clusternet hypotheses --config {CONFIG}"


ALL_TARGETS.extend(["results/hypotheses/verdicts.json", "results/hypotheses/verdicts.md"])
