"""Development modes of cluster innovation networks (Xia & Liu 2024, section V) as a typology.

intensities -> classification (rule and clustering, with stability) -> transitions (Markov,
spatial Markov) -> heterogeneity of the digital effect by mode; ``stage`` runs them on the panel.
"""
MODES = ("traditional", "efficiency", "data")
MIXED = "mixed"
STATES = MODES + (MIXED,)
