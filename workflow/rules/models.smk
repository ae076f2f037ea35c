# Models stage: every specification of config/models.yaml -> results/models/<name>.json
# (+ index.json). The directory is rebuilt whole by `clusternet models`.


rule models:
    input:
        CONFIG,
        section("models"),
        "config/schemas/models.schema.yaml",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
    output:
        directory("results/models"),
    shell:
        "clusternet models --config {CONFIG}"


ALL_TARGETS.append("results/models")
