# Data stage: upstream files -> verified raw copies -> the provincial panel + quality report,
# and the codebook document. Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule acquire:
    input:
        stage_input("acquire"),
        config=CONFIG,
    output:
        stage_output("acquire"),
    log:
        "logs/acquire.log",
    benchmark:
        stage_benchmark("acquire")
    conda:
        CONDA_ENV
    shell:
        stage_shell("acquire")


rule panel:
    input:
        stage_input("panel"),
        config=CONFIG,
    output:
        stage_output("panel"),
    log:
        "logs/panel.log",
    benchmark:
        stage_benchmark("panel")
    conda:
        CONDA_ENV
    shell:
        stage_shell("panel")


rule codebook:
    input:
        stage_input("codebook"),
        config=CONFIG,
    output:
        stage_output("codebook"),
    log:
        "logs/codebook.log",
    benchmark:
        stage_benchmark("codebook")
    conda:
        CONDA_ENV
    shell:
        stage_shell("codebook")
