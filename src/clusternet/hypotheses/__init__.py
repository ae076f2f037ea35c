"""Hypotheses: the registry of config/hypotheses.yaml evaluated against the result documents
(:mod:`clusternet.hypotheses.registry`) and its stage's sub-command (:mod:`clusternet.hypotheses.cli`)."""
