# Models stage: every specification of config/models.yaml -> results/models/<name>.json
# (+ index.json). The directory is rebuilt whole by `clusternet models`.


rule models:
    input:
        section("models"),
        "config/schemas/models.schema.yaml",
        # read by the circularity guard (clusternet.network.circularity)
        section("network"),
        section("codebook"),
        section("indicators"),
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
        config=CONFIG,
    output:
        directory("results/models"),
    log:
        "logs/models.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} models --config {input.config}"


ALL_TARGETS.append("results/models")
