"""clusternet.network — innovation linkage networks, network indices and dyadic QAP tests.

Stages (``clusternet network``, ``clusternet qap``; config ``config/network.yaml``):

``network``
    Per year (``config.years``), a directed weighted network among the 31 provinces:
    by default the flow-anchored network (:mod:`.flow`; a doubly constrained
    spatial-interaction model fitted by Furness balancing, whose row and column sums are
    the observed technology-market outflow and inflow), else a modified gravity model
    (:mod:`.gravity`) or an observed edge list (:mod:`.edges`); binarised by a rule
    (disparity backbone or absolute threshold, :mod:`.backbone`, whose density can change;
    row mean, quantile, top-k, nonzero). Alternative networks (:mod:`.definitions`) are
    written next to the default one as ``net_<name>__<measure>``; the validity check
    (:mod:`.validity`) correlates every node measure with the observed flows across and
    within provinces. Node and network
    indices (:mod:`.metrics`) go to ``data/processed/network_nodes.parquet``
    (``region_code``, ``year``, ``net_*``) and ``network_level.parquet``; every ordered
    pair's weight and 0/1 tie to ``network_edges.parquet``; tables, figures (maps on
    the province map, strength/degree distributions), ``results/network/network.json``
    and the validity check (correlation by year of gravity in/out-strength with
    technology-market inflow/outflow) to ``results/network/``.
``qap``
    QAP correlations and MRQAP with Dekker's double semi-partialling (:mod:`.qap`)
    of the linkage matrix on difference/similarity matrices (:mod:`.formation`) for
    the configured years, plus a size/power calibration on synthetic networks built
    on the first matrix. ``results/network/qap.json`` holds one ``network.mrqap``
    result document per year (``p_value`` = permutation p-value).

Conventions that differ from other software (all documented where computed):

- QAP p-values are ``(1 + #{|T*| >= |T|}) / (1 + P)``; UCINET and R ``sna`` report
  ``#{|T*| >= |T|} / P`` (difference < 1/P).
- Krackhardt efficiency counts directed ties per weak component as R ``sna::efficiency``
  does; UCINET counts edges of the symmetrised graph.
- Betweenness is normalised by (n-1)(n-2) (networkx, directed); UCINET's "nBetweenness"
  uses the same denominator, igraph and sna report it unnormalised.
- Degree centrality is networkx's ``(k_in + k_out)/(n-1)``; in/out versions are given too.
- Closeness is NaN for a node that does not reach (or is not reached by) all others;
  harmonic closeness is always reported next to it. Eigenvector centrality is NaN when the
  weighted graph is not strongly connected.
- Burt's measures use the tie-weighted binary graph ``A * W`` (networkx formulas).
- The circularity guard (:mod:`.circularity`) refuses, for models and QAP alike, regressors
  and matrices whose components (composites expanded into their indicators) overlap the
  dependent network's masses, flows or distance (contiguity counts against a geographic
  decay), and mediators that are components of the treatment, unless ``allow_circular: true``.

docs/network.md explains the choices and cites the methods.

References are checked in ``tests/network`` against networkx, R ``sna`` (fixture from
``tests/reference/network_sna.R``), statsmodels and hand computations.
"""
