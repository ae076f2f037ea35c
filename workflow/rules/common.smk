# Shared helpers for the rules. ALL_TARGETS collects the final outputs that
# `rule all` requests; each rules file appends its own.
ALL_TARGETS = []

# The software environment of every rule (used with --use-conda); the same
# dependencies as pyproject.toml.
CONDA_ENV = "../envs/clusternet.yaml"


def section(name):
    """Path of a config section file, e.g. section("sources") -> config/sources.yaml."""
    return f"config/{config['sections'][name]}"
