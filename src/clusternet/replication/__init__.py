"""Replication package: ``clusternet package OUT`` assembles code, lock file, configuration,
redistributable upstream files, the run's results, expected output hashes and a README in the
Social Science Data Editors' template; ``clusternet verify PACKAGE`` reruns it in a clean
directory and compares every output. ``clusternet citation`` writes CITATION.cff and
data-citations.bib.

Floors: the package id lives on the ground floor (``clusternet.package_identity``), so that the
report can stamp it; this package sits on the report's floor, reads the pipeline's outputs as
files and never imports the report package.
"""
