# Network stage: yearly linkage networks and network indices (`clusternet network`),
# then dyadic formation tests (`clusternet qap`). Mirrored stage for stage in dvc.yaml.
# `qap` always lists indices.parquet as an input (it is read only when a QAP matrix
# has source: indices) so that the DAG does not depend on the config's contents.


rule network:
    input:
        section("network"),
        "config/schemas/network.schema.yaml",
        # read by the circularity guard (composite components, variable lineage)
        section("codebook"),
        section("indicators"),
        "data/processed/panel.parquet",
        config=CONFIG,
    output:
        "data/processed/network_nodes.parquet",
        "data/processed/network_level.parquet",
        "data/processed/network_edges.parquet",
        "results/network/network_level.csv",
        "results/network/validity.csv",
        "results/network/validity_by_year.csv",
        "results/network/validity.json",
        "results/network/validity.md",
        "results/network/network.json",
        "results/network/maps.png",
        "results/network/maps.pdf",
        "results/network/distributions.png",
        "results/network/distributions.pdf",
        "results/network/artefacts.json",
    log:
        "logs/network.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} network --config {input.config}"


rule qap:
    input:
        section("network"),
        "config/schemas/network.schema.yaml",
        # read by the circularity guard (composite components, variable lineage)
        section("codebook"),
        section("indicators"),
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_edges.parquet",
        config=CONFIG,
    output:
        "results/network/qap.json",
        "results/network/qap.csv",
        "results/network/qap_calibration.csv",
        "results/qap/artefacts.json",
    log:
        "logs/qap.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} qap --config {input.config}"


ALL_TARGETS.extend(
    [
        "data/processed/network_nodes.parquet",
        "results/network/artefacts.json",
        "results/qap/artefacts.json",
    ]
)
