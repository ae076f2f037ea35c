# Indices stage: composite digital-cluster indices, weights, ranks and location quotients
# (`clusternet indices`), then disparity and distribution dynamics (`clusternet disparity`).
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule indices:
    input:
        stage_input("indices"),
        config=CONFIG,
    output:
        stage_output("indices"),
    log:
        "logs/indices.log",
    benchmark:
        stage_benchmark("indices")
    conda:
        CONDA_ENV
    shell:
        stage_shell("indices")


rule disparity:
    input:
        stage_input("disparity"),
        config=CONFIG,
    output:
        stage_output("disparity"),
    log:
        "logs/disparity.log",
    benchmark:
        stage_benchmark("disparity")
    conda:
        CONDA_ENV
    shell:
        stage_shell("disparity")
