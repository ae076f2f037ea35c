# Indices stage: composite digital-cluster indices, weights, ranks and location quotients
# (`clusternet indices`), then disparity and distribution dynamics (`clusternet disparity`).
# Mirrored stage for stage in dvc.yaml.


rule indices:
    input:
        section("indicators"),
        section("codebook"),
        "config/schemas/indicators.schema.yaml",
        "config/schemas/codebook.schema.yaml",
        "data/processed/panel.parquet",
        config=CONFIG,
    output:
        "data/processed/indices.parquet",
        "results/indices/weights.csv",
        "results/indices/rank_correlation.csv",
        "results/indices/ranks.csv",
        "results/indices/group_means.csv",
        "results/indices/concentration.csv",
        "results/indices/group_trend.png",
        "results/indices/group_trend.pdf",
        "results/indices/artefacts.json",
    log:
        "logs/indices.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} indices --config {input.config}"


rule disparity:
    input:
        section("indicators"),
        section("codebook"),
        "config/schemas/indicators.schema.yaml",
        "config/schemas/codebook.schema.yaml",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        config=CONFIG,
    output:
        "results/disparity/dagum.csv",
        "results/disparity/theil.csv",
        "results/disparity/sigma.csv",
        "results/disparity/convergence.csv",
        "results/disparity/markov.csv",
        "results/disparity/spatial_markov.csv",
        "results/disparity/beta_absolute.json",
        "results/disparity/beta_conditional.json",
        "results/disparity/kde.csv",
        "results/disparity/kde.png",
        "results/disparity/kde.pdf",
        "results/disparity/artefacts.json",
    log:
        "logs/disparity.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} disparity --config {input.config}"


ALL_TARGETS.extend(
    [
        "data/processed/indices.parquet",
        "results/indices/artefacts.json",
        "results/disparity/artefacts.json",
    ]
)
