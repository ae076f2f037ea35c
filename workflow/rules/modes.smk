# Development-mode typology (issue 16): innovation efficiency by DEA (`clusternet efficiency`),
# then intensities, classification, transitions and the typology's estimands (`clusternet modes`).
# Mirrored stage for stage in dvc.yaml. Include after models.smk (ALL_TARGETS) and before
# hypotheses.smk / report.smk.


rule efficiency:
    input:
        section("modes"),
        "config/schemas/modes.schema.yaml",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        config=CONFIG,
    output:
        "data/processed/efficiency.parquet",
        "results/efficiency/efficiency.csv",
        "results/efficiency/efficiency_by_year.csv",
        "results/efficiency/malmquist.csv",
        "results/efficiency/second_stage.json",
        "results/efficiency/efficiency.json",
        "results/efficiency/efficiency.png",
        "results/efficiency/efficiency.pdf",
        "results/efficiency/artefacts.json",
    log:
        "logs/efficiency.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} efficiency --config {input.config}"


rule modes:
    input:
        section("modes"),
        section("models"),
        "config/schemas/modes.schema.yaml",
        "data/processed/panel.parquet",
        "data/processed/indices.parquet",
        "data/processed/network_nodes.parquet",
        "data/processed/efficiency.parquet",
        config=CONFIG,
    output:
        "data/processed/modes.parquet",
        directory("results/modes/models"),
        "results/modes/transitions.csv",
        "results/modes/spatial_transitions.csv",
        "results/modes/classification.csv",
        "results/modes/mode_counts.csv",
        "results/modes/stability.csv",
        "results/modes/heterogeneity.csv",
        "results/modes/modes.json",
        "results/modes/mode_maps.png",
        "results/modes/mode_maps.pdf",
        "results/modes/stability.png",
        "results/modes/stability.pdf",
        "results/modes/artefacts.json",
    log:
        "logs/modes.log",
    conda:
        CONDA_ENV
    shell:
        "clusternet --log {log} modes --config {input.config}"


ALL_TARGETS.extend([
    "data/processed/efficiency.parquet",
    "results/efficiency/efficiency.csv",
    "results/efficiency/efficiency_by_year.csv",
    "results/efficiency/malmquist.csv",
    "results/efficiency/second_stage.json",
    "results/efficiency/efficiency.json",
    "results/efficiency/efficiency.png",
    "results/efficiency/efficiency.pdf",
    "results/efficiency/artefacts.json",
    "data/processed/modes.parquet",
    "results/modes/models",
    "results/modes/transitions.csv",
    "results/modes/spatial_transitions.csv",
    "results/modes/classification.csv",
    "results/modes/mode_counts.csv",
    "results/modes/stability.csv",
    "results/modes/heterogeneity.csv",
    "results/modes/modes.json",
    "results/modes/mode_maps.png",
    "results/modes/mode_maps.pdf",
    "results/modes/stability.png",
    "results/modes/stability.pdf",
    "results/modes/artefacts.json",
])
