# Data stage: upstream files -> verified raw copies -> the provincial panel + quality report,
# and the codebook document. Mirrored stage for stage in dvc.yaml.


rule acquire:
    input:
        section("sources"),
        "config/schemas/sources.schema.yaml",
        config=CONFIG,
    output:
        directory("data/raw/upstream"),
    log:
        "logs/acquire.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} acquire --config {input.config}"


rule panel:
    input:
        section("sources"),
        section("items"),
        section("codebook"),
        section("panel"),
        "config/schemas/sources.schema.yaml",
        "config/schemas/items.schema.yaml",
        "config/schemas/codebook.schema.yaml",
        "config/schemas/panel.schema.yaml",
        "data/raw/upstream",
        config=CONFIG,
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
    log:
        "logs/panel.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} panel --config {input.config}"


rule codebook:
    input:
        section("codebook"),
        section("panel"),
        "config/schemas/codebook.schema.yaml",
        "config/schemas/panel.schema.yaml",
        config=CONFIG,
    output:
        "results/data/codebook.md",
    log:
        "logs/codebook.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} codebook --config {input.config}"


ALL_TARGETS.extend(
    [
        "data/processed/panel.parquet",
        "results/data/quality.json",
        "results/data/artefacts.json",
        "results/data/codebook.md",
    ]
)
