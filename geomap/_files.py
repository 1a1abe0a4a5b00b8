"""Safe file output shared by every writer: refuse to clobber, create folders, write atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geomap.errors import GeomapError

__all__ = ["check_target", "write_atomic"]


def check_target(path: str | os.PathLike, *, overwrite: bool, error: type[GeomapError]) -> Path:
    """Return ``path`` as a Path after checking it may be written.

    Raises ``error`` when it is a folder, or exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a folder; give the name of the file to write")
    if path.exists() and not overwrite:
        raise error(f"{path}: already exists; pass --overwrite (overwrite=True) to replace it")
    return path


def write_atomic(
    path: str | os.PathLike, data: bytes | str, *, overwrite: bool, error: type[GeomapError]
) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename.

    Parent folders are created. A failure leaves no partial file and raises ``error`` with one
    line naming the path; the temporary file is removed.
    """
    path = check_target(path, overwrite=overwrite, error=error)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise
    return path
