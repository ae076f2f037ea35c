# Spatial stage: weights matrices -> exploratory statistics and spatial panel models.
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule weights:
    input:
        stage_input("weights"),
        config=CONFIG,
    output:
        stage_output("weights"),
    log:
        "logs/weights.log",
    benchmark:
        stage_benchmark("weights")
    conda:
        CONDA_ENV
    shell:
        stage_shell("weights")


rule spatial_explore:
    input:
        stage_input("spatial_explore"),
        config=CONFIG,
    output:
        stage_output("spatial_explore"),
    params:
        hashes=stage_params("spatial_explore"),  # models.yaml: only its merge_tables
    log:
        "logs/spatial_explore.log",
    benchmark:
        stage_benchmark("spatial_explore")
    conda:
        CONDA_ENV
    shell:
        stage_shell("spatial_explore")


rule spatial_models:
    input:
        stage_input("spatial_models"),
        config=CONFIG,
    output:
        stage_output("spatial_models"),
    params:
        hashes=stage_params("spatial_models"),  # models.yaml: only its merge_tables
    log:
        "logs/spatial_models.log",
    benchmark:
        stage_benchmark("spatial_models")
    conda:
        CONDA_ENV
    shell:
        stage_shell("spatial_models")
