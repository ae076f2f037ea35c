"""The list of tables and figures (and the list of programs) of the replication package.

Read from the pipeline's own records, never guessed: ``results/report/items.json`` (every table
and figure of the report, in page order, with the files it was made from), ``dvc.yaml`` (the
stage = Snakemake rule that writes each file, with its command and config dependencies) and
the config files (the entry a result document or hypothesis comes from).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clusternet.config import read_yaml
from clusternet.errors import DataError
from clusternet.io import read_json

RESULT_DOC_DIRS = {"results/models": "models", "results/spatial/models": "spatial"}


@dataclass(frozen=True)
class Stage:
    name: str
    cmd: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]

    @property
    def config_files(self) -> list[str]:
        return [d for d in self.deps if d.startswith("config/") and "/schemas/" not in d
                and d != "config/config.yaml"]

    @property
    def code(self) -> list[str]:
        return [d for d in self.deps if d.startswith("src/")]


def load_stages(root: Path) -> dict[str, Stage]:
    """The stages of dvc.yaml; a ``foreach`` stage (one per specification, issue 14) becomes one
    stage ``name@item`` per item, ``${item}`` filled in as DVC does."""
    path = Path(root) / "dvc.yaml"
    data = read_yaml(path) or {}
    out: dict[str, Stage] = {}
    for name, s in data.get("stages", {}).items():
        if "foreach" in s:
            for item in s["foreach"]:
                def fill(text: str, item=item) -> str:
                    return str(text).replace("${item}", str(item))

                do = s["do"]
                out[f"{name}@{item}"] = Stage(f"{name}@{item}", fill(do["cmd"]),
                                              tuple(fill(d) for d in do.get("deps", [])),
                                              tuple(fill(o) for o in do.get("outs", [])))
        else:
            out[name] = Stage(name, s["cmd"], tuple(s.get("deps", [])), tuple(s.get("outs", [])))
    return out


def producing_stage(stages: dict[str, Stage], path: str) -> Stage | None:
    """The stage whose outs contain ``path`` (an out itself or a file under an out directory)."""
    for s in stages.values():
        for out in s.outs:
            if path == out or path.startswith(out.rstrip("/") + "/"):
                return s
    return None


def find_entry(data, key: str, value: str, where: str = "") -> str | None:
    """Key path of the first mapping with ``key == value`` inside a config section."""
    if isinstance(data, dict):
        if data.get(key) == value:
            return where or "<top level>"
        for k, v in data.items():
            found = find_entry(v, key, value, f"{where}.{k}" if where else str(k))
            if found:
                return found
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found = find_entry(v, key, value, f"{where}[{i}]")
            if found:
                return found
    return None


@dataclass
class Entry:
    number: str
    anchor: str
    name: str
    kind: str
    title: str
    section: str
    files: list[str]
    commands: list[str]  # "rule <stage>: <cmd>", producers first, the report last
    config_entries: list[str]
    result_documents: list[str]
    inputs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def list_of_tables_and_figures(root: Path, config) -> list[Entry]:
    root = Path(root)
    results = config.path_of("results")
    items_path = root / results / "report" / "items.json"
    if not items_path.is_file():
        raise DataError(f"{items_path} does not exist; run the pipeline (snakemake --cores 2) before "
                        "`clusternet package`")
    listing = read_json(items_path)
    stages = load_stages(root)
    report = stages.get("report")
    sections = {name: read_yaml(config.dir / file) for name, file in config.main.get("sections", {}).items()}
    entries = []
    for it in listing["items"]:
        producers, config_entries, docs = [], [], []
        for inp in it["inputs"]:
            stage = producing_stage(stages, inp)
            if stage is None:
                raise DataError(f"{items_path}: item {it['name']} was made from {inp}, which no stage of "
                                f"{root / 'dvc.yaml'} writes; the list of tables cannot name its command")
            if stage not in producers:
                producers.append(stage)
            parent = Path(inp).parent.as_posix()
            if parent in RESULT_DOC_DIRS and inp.endswith(".json"):
                docs.append(inp)
                section = RESULT_DOC_DIRS[parent]
                at = find_entry(sections.get(section), "name", Path(inp).stem)
                if at:
                    config_entries.append(f"config/{config.main['sections'][section]}: {at}")
            elif inp.endswith((".json", ".csv")) and inp.startswith(f"{results.as_posix()}/"):
                docs.append(inp)
        if it.get("hypothesis"):
            at = find_entry(sections.get("hypotheses"), "id", it["hypothesis"])
            if at:
                config_entries.insert(0, f"config/{config.main['sections']['hypotheses']}: {at}")
            verdicts = "results/hypotheses/verdicts.json"
            if verdicts not in docs:
                docs.append(verdicts)
                if stages.get("hypotheses") and stages["hypotheses"] not in producers:
                    producers.append(stages["hypotheses"])
        for stage in producers:
            for f in stage.config_files:
                if not any(e.startswith(f"{f}:") for e in config_entries) and f not in config_entries:
                    config_entries.append(f)
        report_yaml = f"config/{config.main['sections'].get('report', 'report.yaml')}"
        config_entries.append(report_yaml)
        commands = [f"rule {s.name}: {s.cmd}" for s in producers if s.name != "report"]
        if report is not None:
            commands.append(f"rule report: {report.cmd}")
        files = [f if f.startswith(f"{results.as_posix()}/") else f"{results.as_posix()}/report/{f}"
                 for f in it["files"]]
        entries.append(Entry(it["number"], it["anchor"], it["name"], it["kind"], it["title"], it["section_title"],
                             files, commands, config_entries, sorted(set(docs)), list(it["inputs"])))
    return entries


def list_of_programs(root: Path) -> list[dict]:
    """One row per pipeline stage: rule, command, code directories, config files, outputs."""
    return [{"rule": s.name, "cmd": s.cmd, "code": s.code, "config": s.config_files, "outs": list(s.outs)}
            for s in load_stages(root).values()]
