"""Deterministic archives of a directory: members sorted by path, fixed timestamps
(``EPOCH`` = 1980-01-01, the earliest a zip can store), permissions 0644 for files and 0755 for
directories and executables, owner and group 0 with empty names, no extended attributes. The
same tree gives the same bytes on any machine."""
from __future__ import annotations

import gzip
import io
import os
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from clusternet.errors import DataError
from clusternet.io import atomic_path

EPOCH = 315532800  # 1980-01-01T00:00:00Z
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def tree_members(root: Path) -> list[Path]:
    """Every directory and file under ``root``, sorted by POSIX path (symlinks are refused)."""
    root = Path(root)
    out = []
    for p in root.rglob("*"):
        if p.is_symlink():
            raise DataError(f"{p}: the package must not contain symbolic links")
        out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def _mode(p: Path) -> int:
    if p.is_dir() or os.access(p, os.X_OK) and p.stat().st_mode & stat.S_IXUSR:
        return 0o755
    return 0o644


def write_zip(root: Path, target: Path, prefix: str) -> Path:
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                                                     compresslevel=9) as zf:
        for p in tree_members(root):
            rel = f"{prefix}/{p.relative_to(root).as_posix()}"
            info = zipfile.ZipInfo(rel + ("/" if p.is_dir() else ""), date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that external_attr carries the mode
            if p.is_dir():
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                zf.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | _mode(p)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return Path(target)


def write_tar_gz(root: Path, target: Path, prefix: str) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for p in tree_members(root):
            info = tarfile.TarInfo(f"{prefix}/{p.relative_to(root).as_posix()}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = EPOCH, 0, 0, "", ""
            info.mode = _mode(p)
            if p.is_dir():
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
            else:
                data = p.read_bytes()
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    # mtime=0 and no file name in the gzip header: the header is the same every time.
    with atomic_path(target) as tmp, open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                                          mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue())
    return Path(target)


def extract(archive: Path, dest: Path) -> Path:
    """Unpack a package archive into ``dest``; return the package's top directory. Members that
    would land outside ``dest`` (absolute paths, ``..``, links) are refused."""
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    name = archive.name
    if name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            _check_names(archive, names)
            zf.extractall(dest)
    elif name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive, "r:gz") as tf:
            members = tf.getmembers()
            _check_names(archive, [m.name for m in members])
            bad = [m.name for m in members if not (m.isfile() or m.isdir())]
            if bad:
                raise DataError(f"{archive}: links or special files are not allowed in a package: {bad[:5]}")
            tf.extractall(dest, filter="data")
    else:
        raise DataError(f"{archive}: not a package archive (.zip or .tar.gz) or directory")
    tops = sorted({n.split("/", 1)[0] for n in names} if name.endswith(".zip")
                  else {m.name.split("/", 1)[0] for m in members})
    if len(tops) != 1:
        raise DataError(f"{archive}: a package archive has exactly one top directory, found {tops}")
    return dest / tops[0]


def _check_names(archive: Path, names) -> None:
    for n in names:
        if n.startswith("/") or ".." in Path(n).parts:
            raise DataError(f"{archive}: member {n!r} would be written outside the target directory")


def copy_tree(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=False)
    return dest
