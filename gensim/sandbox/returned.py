"""Files a sandboxed job makes come back as data in its verdict; the parent decides where they go.

A job that renders pictures writes them in its own scratch tmpfs and returns
`pack_files(paths)` (base64 text by file name). The parent (`unpack_files`) takes only the names
it expects, each within a size limit and starting with its format's signature, and writes them
itself. No folder of the parent is bound into the sandbox, so such jobs run in warm sandboxes
like any other (`gensim.sandbox.pool`), and the child never writes a file of the user's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 16 * 1024 * 1024  # one returned file at most (the verdict itself is capped at 32 MiB)
SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".gif": (b"GIF87a", b"GIF89a")}


def pack_files(paths: Iterable[Path]) -> dict[str, str]:
    """Inside the sandbox: each file's bytes as base64 text, by file name."""
    return {Path(p).name: base64.b64encode(Path(p).read_bytes()).decode("ascii") for p in paths}


def unpack_files(doc: Any, names: Iterable[str], max_bytes: int = MAX_FILE_BYTES) -> dict[str, bytes]:
    """In the parent: the bytes of those of `names` the child returned in `doc` (what
    `pack_files` made), each checked (base64, at most `max_bytes`, the signature of its suffix
    in `SIGNATURES`); `ValueError` with a one-line reason for anything else."""
    if not isinstance(doc, Mapping):
        raise ValueError("the returned files are not an object")
    out: dict[str, bytes] = {}
    for name in names:
        text = doc.get(name)
        if text is None:
            continue
        if not isinstance(text, str) or len(text) > (max_bytes * 4) // 3 + 4:
            raise ValueError(f"{name}: not base64 text of at most {max_bytes} bytes")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{name}: not base64 text") from None
        signatures = SIGNATURES.get(Path(name).suffix.lower(), ())
        if not signatures or not data.startswith(signatures):
            raise ValueError(f"{name}: not a {Path(name).suffix or 'known'} file")
        out[name] = data
    return out


def write_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file next to it (never half a picture)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(data)
    part.replace(path)
    return path
