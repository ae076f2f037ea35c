# Development-mode typology (issue 16): innovation efficiency by DEA (`clusternet efficiency`),
# then intensities, classification, transitions and the typology's estimands (`clusternet modes`).
# Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule efficiency:
    input:
        stage_input("efficiency"),
        config=CONFIG,
    output:
        stage_output("efficiency"),
    log:
        "logs/efficiency.log",
    benchmark:
        stage_benchmark("efficiency")
    conda:
        CONDA_ENV
    shell:
        stage_shell("efficiency")


rule modes:
    input:
        stage_input("modes"),
        config=CONFIG,
    output:
        stage_output("modes"),
    log:
        "logs/modes.log",
    benchmark:
        stage_benchmark("modes")
    conda:
        CONDA_ENV
    shell:
        stage_shell("modes")
