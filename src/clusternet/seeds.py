"""Sub-seeds: every random draw of the pipeline comes from ``config.seed`` through here.

A task (a specification, a QAP year, a bootstrap) gets the stream
``numpy.random.SeedSequence([seed, crc32(task name), *ids])``, so results do not depend
on the order tasks run in or on the number of workers. A task that needs a seed and has
none is an error, never a silent default.
"""
from __future__ import annotations

import zlib

import numpy as np

from clusternet.errors import ConfigError


def task_id(task: str) -> int:
    """The stable 32-bit id of a task name (crc32 of its UTF-8 bytes)."""
    return zlib.crc32(str(task).encode())


def seed_sequence(seed: int, task: str, *ids: int) -> np.random.SeedSequence:
    """``SeedSequence([seed, crc32(task), *ids])``."""
    return np.random.SeedSequence([int(seed), task_id(task), *map(int, ids)])


def sub_seed(seed: int, task: str, *ids: int) -> int:
    """A 32-bit integer seed for one task (for code that takes an int seed)."""
    return int(seed_sequence(seed, task, *ids).generate_state(1)[0])


def required_seed(spec: dict, options: dict | None, what: str) -> int:
    """``options.seed``, else the ``seed`` the stages put into a specification (``config.seed``);
    a ConfigError naming the specification when neither is set."""
    seed = (options or {}).get("seed")
    if seed is None:
        seed = spec.get("seed")
    if seed is None:
        raise ConfigError(f"specification {spec.get('name', spec.get('model', '?'))!r}: {what} needs a seed: set "
                          "options.seed (or --seed of `clusternet fit`) or run through the stage, which passes "
                          "config.seed")
    return int(seed)
