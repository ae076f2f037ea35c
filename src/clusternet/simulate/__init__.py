"""Simulated projects with known parameters (issue 17): ``clusternet simulate`` (docs/simulate.md)."""
