# Shared helpers for the rules. ALL_TARGETS collects the final outputs that
# `rule all` requests; each rules file appends its own.
ALL_TARGETS = []


def section(name):
    """Path of a config section file, e.g. section("sources") -> config/sources.yaml."""
    return "config/" + config["sections"][name]
