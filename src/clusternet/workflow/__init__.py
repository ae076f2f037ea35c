"""The pipeline's graph as data (issue 14): the stage table (:mod:`clusternet.workflow.stages`),
code dependencies from the import graph (:mod:`clusternet.workflow.codedeps`), the generated
``dvc.yaml`` (:mod:`clusternet.workflow.dvc`) and the effective config of a Snakemake run
(:mod:`clusternet.workflow.effective`). The Snakefile and ``clusternet dag`` read it; it imports
no stage code (code dependencies are read from the source files with ``ast``)."""
