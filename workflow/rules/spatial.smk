# Spatial stage: weights matrices -> exploratory statistics and spatial panel models.
# Mirrored stage for stage in dvc.yaml.


rule weights:
    input:
        section("spatial"),
        "config/schemas/spatial.schema.yaml",
        "data/processed/panel.parquet",
        config=CONFIG,
    output:
        directory("data/interim/weights"),
    log:
        "logs/weights.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} weights --config {input.config}"


rule spatial_explore:
    input:
        section("spatial"),
        section("models"),
        "config/schemas/spatial.schema.yaml",
        "data/interim/weights",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
        config=CONFIG,
    output:
        "results/spatial/moran.csv",
        "results/spatial/artefacts.json",
        directory("results/spatial/figures"),
    log:
        "logs/spatial_explore.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} spatial-explore --config {input.config}"


rule spatial_models:
    input:
        section("spatial"),
        section("models"),
        "config/schemas/spatial.schema.yaml",
        "data/interim/weights",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
        config=CONFIG,
    output:
        directory("results/spatial/models"),
    log:
        "logs/spatial_models.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} spatial-models --config {input.config}"


ALL_TARGETS.extend(["results/spatial/moran.csv", "results/spatial/artefacts.json", "results/spatial/figures",
                    "results/spatial/models"])
