# Data stage: upstream files -> verified raw copies -> the provincial panel + quality report,
# and the codebook document. Mirrored stage for stage in dvc.yaml.


rule acquire:
    input:
        CONFIG,
        section("sources"),
        "config/schemas/sources.schema.yaml",
    output:
        directory("data/raw/upstream"),
    shell:
        "clusternet acquire --config {CONFIG}"


rule panel:
    input:
        CONFIG,
        section("sources"),
        section("items"),
        section("codebook"),
        section("panel"),
        "config/schemas/sources.schema.yaml",
        "config/schemas/items.schema.yaml",
        "config/schemas/codebook.schema.yaml",
        "config/schemas/panel.schema.yaml",
        "data/raw/upstream",
    output:
        "data/processed/panel.parquet",
        "data/processed/panel.csv",
        "data/processed/panel.dta",
        "data/processed/imputed.parquet",
        "results/data/quality.json",
        "results/data/quality.md",
        "results/data/coverage.csv",
        "results/data/coverage.png",
        "results/data/coverage.pdf",
        "results/data/artefacts.json",
    shell:
        "clusternet panel --config {CONFIG}"


rule codebook:
    input:
        CONFIG,
        section("codebook"),
        section("panel"),
        "config/schemas/codebook.schema.yaml",
        "config/schemas/panel.schema.yaml",
    output:
        "results/data/codebook.md",
    shell:
        "clusternet codebook --config {CONFIG}"


ALL_TARGETS.extend(
    [
        "data/processed/panel.parquet",
        "results/data/quality.json",
        "results/data/artefacts.json",
        "results/data/codebook.md",
    ]
)
