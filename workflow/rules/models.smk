# Models stage: every specification of config/models.yaml -> results/models/<name>.json
# (+ index.json). The directory is rebuilt whole by `clusternet models`.
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule models:
    input:
        stage_input("models"),
        config=CONFIG,
    output:
        stage_output("models"),
    log:
        "logs/models.log",
    benchmark:
        stage_benchmark("models")
    conda:
        CONDA_ENV
    shell:
        stage_shell("models")
