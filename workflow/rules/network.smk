# Network stage: yearly linkage networks and network indices (`clusternet network`),
# then dyadic formation tests (`clusternet qap`). `qap` always lists indices.parquet as an input
# (it is read only when a QAP matrix has source: indices) so that the DAG does not depend on
# the config's contents. Inputs and outputs: the stage table (clusternet/workflow/stages.py).


rule network:
    input:
        stage_input("network"),
        config=CONFIG,
    output:
        stage_output("network"),
    log:
        "logs/network.log",
    benchmark:
        stage_benchmark("network")
    conda:
        CONDA_ENV
    shell:
        stage_shell("network")


rule qap:
    input:
        stage_input("qap"),
        config=CONFIG,
    output:
        stage_output("qap"),
    log:
        "logs/qap.log",
    benchmark:
        stage_benchmark("qap")
    conda:
        CONDA_ENV
    shell:
        stage_shell("qap")
