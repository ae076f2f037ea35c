# Hypotheses stage: evaluate config/hypotheses.yaml against the result documents
# -> results/hypotheses/verdicts.json (+ verdicts.md). Entries read results/models/
# (source: models) and results/spatial/models/ (source: spatial, e.g. M1-sharing).
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule hypotheses:
    input:
        stage_input("hypotheses"),
        config=CONFIG,
    output:
        stage_output("hypotheses"),
    log:
        "logs/hypotheses.log",
    benchmark:
        stage_benchmark("hypotheses")
    conda:
        CONDA_ENV
    shell:
        stage_shell("hypotheses")
