# Models stage, one job per specification (issue 14): `clusternet models --spec NAME` writes
# results/models/NAME.json for each specification of config/models.yaml; `models_index` gathers
# results/models/index.json. Editing one specification reruns its job (params: the hash of that
# specification and of the section's shared keys, not the file), the index, the hypotheses and the report.
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule models:
    input:
        stage_input("models"),
        config=CONFIG,
    output:
        stage_output("models"),
    params:
        hashes=stage_params("models"),
    wildcard_constraints:
        spec=SPEC_PATTERN,
    log:
        stage_log("models"),
    benchmark:
        stage_benchmark("models")
    conda:
        CONDA_ENV
    shell:
        stage_shell("models")


rule models_index:
    input:
        stage_input("models_index"),
        config=CONFIG,
    output:
        stage_output("models_index"),
    log:
        stage_log("models_index"),
    benchmark:
        stage_benchmark("models_index")
    conda:
        CONDA_ENV
    shell:
        stage_shell("models_index")
