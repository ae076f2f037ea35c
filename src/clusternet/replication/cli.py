"""Sub-commands of the replication package: ``package``, ``verify`` and ``citation``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from clusternet.cli.common import add_config_argument


def register(sub) -> None:
    p = sub.add_parser("package", help="write the replication package OUT/ and OUT.zip, OUT.tar.gz "
                                       "(deterministic) for the current configuration and results")
    p.add_argument("out", metavar="OUT", help="package directory to write (archives are written next to it)")
    p.add_argument("--format", dest="formats", action="append", choices=["zip", "tar.gz"],
                   help="archive format (repeatable; default: zip and tar.gz)")
    add_config_argument(p)
    p.set_defaults(func=run_package)

    v = sub.add_parser("verify", help="rerun a replication package in a clean temporary directory and compare "
                                      "every output with its expected sha256 (exit 1 on any difference)")
    v.add_argument("package", metavar="PACKAGE", help="package directory, .zip or .tar.gz")
    v.add_argument("--venv", help="reuse this virtual environment instead of installing one from the lock file "
                                  "(faster; it must have clusternet's dependencies)")
    v.add_argument("--mirror", default=os.environ.get("CLUSTERNET_MIRROR"),
                   help="directory <owner>__<repo>/<path> with the upstream files that are not redistributed "
                        "(default: $CLUSTERNET_MIRROR; without it they are downloaded)")
    v.add_argument("--cores", type=int, default=2, help="cores for snakemake (default: %(default)s)")
    v.add_argument("--workdir", help="parent of the temporary directory (default: the system's)")
    v.add_argument("--keep", action="store_true", help="keep the temporary directory")
    v.set_defaults(func=run_verify)

    c = sub.add_parser("citation", help="write CITATION.cff and data-citations.bib (repository root) from "
                                        "config/package.yaml and config/sources.yaml")
    c.add_argument("--out-dir", default=".", help="directory to write them to (default: %(default)s)")
    c.add_argument("--check", action="store_true", help="only check that the files there are up to date")
    add_config_argument(c)
    c.set_defaults(func=run_citation)


def run_package(args) -> int:
    from clusternet.config import load_config
    from clusternet.replication.build import FORMATS, build_package

    config = load_config(args.config)
    outcome = build_package(config, Path(args.out), tuple(args.formats or FORMATS))
    print(f"wrote {outcome['dir']}/ ({outcome['entries']} tables and figures listed, {outcome['outputs']} expected "
          f"outputs), package {outcome['package']['name']}")
    for path, digest in outcome["archives"]:
        print(f"wrote {path} sha256 {digest}")
    if outcome["dirty"]:
        print(f"warning: packaged from a working tree with uncommitted changes: {', '.join(outcome['dirty'])}",
              file=sys.stderr)
    return 0


def run_verify(args) -> int:
    from clusternet.replication.verify import verify

    outcome = verify(Path(args.package), venv=Path(args.venv) if args.venv else None,
                     mirror=Path(args.mirror) if args.mirror else None, cores=args.cores,
                     workdir=Path(args.workdir) if args.workdir else None, keep=args.keep)
    if args.keep:
        print(f"kept {outcome.workdir}")
    return 0 if outcome.ok else 1


def run_citation(args) -> int:
    from clusternet.config import load_config
    from clusternet.errors import DataError
    from clusternet.io import write_text
    from clusternet.replication import citation

    config = load_config(args.config)
    files = {citation.CFF_NAME: citation.citation_cff(config), citation.BIB_NAME: citation.bibtex(config)}
    out = Path(args.out_dir)
    if args.check:
        stale = [n for n, text in files.items()
                 if not (out / n).is_file() or (out / n).read_text(encoding="utf-8") != text]
        if stale:
            raise DataError(f"{', '.join(str(out / n) for n in stale)} are not up to date with config/package.yaml "
                            "and config/sources.yaml; regenerate with `clusternet citation`")
        print("citation files are up to date")
        return 0
    for n, text in files.items():
        write_text(out / n, text)
        print(f"wrote {out / n}")
    return 0
