# Spatial stage: weights matrices -> exploratory statistics and spatial panel models.
# Mirrored stage for stage in dvc.yaml.


rule weights:
    input:
        CONFIG,
        section("spatial"),
        "config/schemas/spatial.schema.yaml",
        "data/processed/panel.parquet",
    output:
        directory("data/interim/weights"),
    shell:
        "clusternet weights --config {CONFIG}"


rule spatial_explore:
    input:
        CONFIG,
        section("spatial"),
        section("models"),
        "config/schemas/spatial.schema.yaml",
        "data/interim/weights",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
    output:
        "results/spatial/moran.csv",
        "results/spatial/artefacts.json",
        directory("results/spatial/figures"),
    shell:
        "clusternet spatial-explore --config {CONFIG}"


rule spatial_models:
    input:
        CONFIG,
        section("spatial"),
        section("models"),
        "config/schemas/spatial.schema.yaml",
        "data/interim/weights",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
    output:
        directory("results/spatial/models"),
    shell:
        "clusternet spatial-models --config {CONFIG}"


ALL_TARGETS.extend(["results/spatial/moran.csv", "results/spatial/artefacts.json", "results/spatial/figures",
                    "results/spatial/models"])
