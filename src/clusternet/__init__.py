"""clusternet: a reproducible pipeline testing the formation mechanisms of
digital-industry-cluster innovation networks on Chinese provincial panel data."""

__version__ = "0.1.0"
