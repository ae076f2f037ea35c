# Hypotheses stage: evaluate config/hypotheses.yaml against the result documents
# -> results/hypotheses/verdicts.json (+ verdicts.md). An entry with `source: spatial`
# reads results/spatial/models/; add that directory as an input (here and in dvc.yaml)
# when the registry refers to it.


rule hypotheses:
    input:
        CONFIG,
        section("hypotheses"),
        "config/schemas/hypotheses.schema.yaml",
        "results/models",
    output:
        "results/hypotheses/verdicts.json",
        "results/hypotheses/verdicts.md",
    shell:
        "clusternet hypotheses --config {CONFIG}"


ALL_TARGETS.extend(["results/hypotheses/verdicts.json", "results/hypotheses/verdicts.md"])
