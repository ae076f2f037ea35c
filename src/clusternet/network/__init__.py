"""clusternet.network — innovation linkage networks, network indices and dyadic QAP tests.

Stages (``clusternet network``, ``clusternet qap``; config ``config/network.yaml``):

``network``
    Per year (``config.years``), a directed weighted network among the 31 provinces,
    either a modified gravity model (:mod:`.gravity`; masses, direction weights,
    geographic/economic distance, decay) or an observed edge list (:mod:`.edges`),
    binarised by a rule (row mean, quantile, top-k, nonzero). Node and network
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
- The circularity guard refuses QAP matrices built from the gravity masses, the
  economic-distance variable (``ln_`` / ``_real`` variants included) or great-circle
  distance when the gravity model uses it, unless ``allow_circular: true``.

References are checked in ``tests/network`` against networkx, R ``sna`` (fixture from
``tests/reference/network_sna.R``), statsmodels and hand computations.
"""
