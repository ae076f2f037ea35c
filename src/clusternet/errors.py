"""Error types. Every error a user can cause says where (file, row, column or
config key) and what to do; the CLI prints the message and exits with code 2."""
from __future__ import annotations


class ClusternetError(Exception):
    """Base class for errors caused by input (data, config, arguments)."""


class ConfigError(ClusternetError):
    """A config file or key is invalid."""


class DataError(ClusternetError):
    """An input data file is missing, corrupt or inconsistent."""


class EstimationError(ClusternetError):
    """A model cannot be estimated on the given data (collinearity, too few clusters, ...)."""
