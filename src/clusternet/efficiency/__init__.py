"""Innovation efficiency: data envelopment analysis, Malmquist indices, R&D capital stock, bootstrap.

Floor: uses numpy/scipy and clusternet.errors only (no pipeline stages); the stage
code that reads the panel lives in :mod:`clusternet.efficiency.stage`.
"""
