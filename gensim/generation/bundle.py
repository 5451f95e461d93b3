"""Reading an import bundle without trusting it: files only from inside, as bounded text.

A bundle is a folder of task files, with or without `manifest.json`. Everything in it is
untrusted, and it is read in the parent process (no task code runs here), so:
- an entry's file is a plain file name at the top of the bundle (`my_task.py`): no absolute
  path, no `..`, no sub-folder, no hidden file; the file is opened relative to a descriptor of
  the bundle folder with `O_NOFOLLOW` (a symlink is refused, wherever it points, and swapping
  one in after the check does not help: the descriptor pins the folder and the open itself
  refuses the link), then `fstat` must show a regular file with a single link (no device, FIFO,
  socket, `/proc` file or hard link to a file elsewhere);
- reads are bounded (`MAX_FILE_BYTES` per task file, `MAX_MANIFEST_BYTES` for the manifest,
  `MAX_ENTRIES` entries) and must be UTF-8 text without NUL bytes;
- manifest fields are checked for type and size; a malformed manifest (bad JSON, nesting too
  deep) is one line of error for the whole bundle. Every other problem belongs to one entry.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.errors import UsageError

MANIFEST = "manifest.json"
MAX_FILE_BYTES = 256 * 1024  # bytes of one task file (task files are a few KiB)
MAX_MANIFEST_BYTES = 1024 * 1024  # bytes of manifest.json
MAX_ENTRIES = 2000  # tasks in one bundle
MAX_DESCRIPTION = 4000  # characters of a manifest description
MAX_TAGS = 16  # tags per manifest entry (each at most 40 characters)
MAX_FILE_NAME = 200  # characters of an entry's file name


class EntryError(Exception):
    """One entry cannot be read; `stage` is `path` or `read`, the message says why."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


def shown(value: object, limit: int = 120) -> str:
    """A value as printable ASCII (control and non-ASCII characters escaped), cut to `limit`."""
    text = value if isinstance(value, str) else repr(value)
    out = ascii(text)[1:-1]
    return out if len(out) <= limit else out[: limit - 3] + "..."


@dataclass
class Entry:
    """One task of a bundle as the bundle describes it (nothing read yet)."""

    name: object  # as given: validated by the importer before anything else happens
    file: object
    description: str = ""
    tags: list[str] = field(default_factory=list)
    provider: str | None = None
    model: str | None = None
    problem: str | None = None  # a malformed manifest entry


def file_name_problem(name: object) -> str | None:
    """Why `name` is not a file this importer reads (None when it is)."""
    if not isinstance(name, str) or not name:
        return "no file name"
    if "\x00" in name:
        return "a file name with a NUL byte"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"'{shown(name)}' is an absolute path: files must be inside the bundle"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return f"'{shown(name)}' leaves the bundle (..): files must be inside the bundle"
    if len(parts) > 1:
        return f"'{shown(name)}' is in a sub-folder: task files sit at the top of the bundle"
    if name.startswith("."):
        return f"'{shown(name)}' is a hidden file"
    if not name.isascii() or not name.isprintable() or len(name) > MAX_FILE_NAME:
        return f"'{shown(name)}' is not a plain ASCII file name"
    if not name.endswith(".py"):
        return f"'{shown(name)}' is not a task file (*.py)"
    return None


class Bundle:
    """An open bundle folder; files are read relative to its descriptor (see the module doc)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            self._fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as err:
            raise UsageError(f"not a folder: {shown(str(folder), 300)} ({err.strerror})") from err

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read_text(self, name: str, limit: int) -> str:
        """The text of the bundle's top-level file `name`; EntryError when it may not be read."""
        problem = file_name_problem(name) if name != MANIFEST else None
        if problem:
            raise EntryError("path", problem)
        try:
            before = os.stat(name, dir_fd=self._fd, follow_symlinks=False)
        except FileNotFoundError:
            raise EntryError("read", f"no file '{shown(name)}' in the bundle") from None
        except OSError as err:
            raise EntryError("read", f"cannot read '{shown(name)}': {err.strerror}") from None
        _check_stat(name, before, limit)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
        try:
            fd = os.open(name, flags, dir_fd=self._fd)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise EntryError("path", f"'{shown(name)}' is a symbolic link: files must be inside the bundle") from None
            raise EntryError("read", f"cannot read '{shown(name)}': {err.strerror}") from None
        try:
            now = os.fstat(fd)
            if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
                raise EntryError("path", f"'{shown(name)}' was replaced while it was read")
            _check_stat(name, now, limit)
            data = _read_at_most(fd, limit + 1)
        finally:
            os.close(fd)
        if len(data) > limit:
            raise EntryError("read", f"'{shown(name)}' is larger than {limit // 1024} KiB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EntryError("read", f"'{shown(name)}' is not UTF-8 text") from None
        if "\x00" in text:
            raise EntryError("read", f"'{shown(name)}' is not text (NUL bytes)")
        return text

    def entries(self) -> list[Entry]:
        """The bundle's entries: the manifest's, else one per top-level `*.py` file."""
        try:
            listing = sorted(os.listdir(self._fd))
        except OSError as err:
            raise UsageError(f"cannot list {shown(str(self.folder), 300)}: {err.strerror}") from err
        if MANIFEST in listing:
            return self._manifest_entries()
        # A package marker (`__init__.py`, any `__*__.py`) sits beside task files in a Python
        # package of tasks (GenSim's `generated_tasks/`); it is not a task.
        files = [n for n in listing if n.endswith(".py") and not n.startswith(".") and not _is_dunder(n)]
        if not files:
            raise UsageError(f"no task files (*.py) and no {MANIFEST} in {shown(str(self.folder), 300)}")
        if len(files) > MAX_ENTRIES:
            raise UsageError(f"{len(files)} task files in one bundle; at most {MAX_ENTRIES}")
        return [self.file_entry(n) for n in files]

    def file_entry(self, file_name: str) -> Entry:
        """The entry of one task file of this folder, named after it (nothing read yet)."""
        # The name is the file's stem in kebab case; it is validated like any other name.
        stem = file_name[:-3] if file_name.endswith(".py") else file_name
        return Entry(name=stem.lower().replace("_", "-"), file=file_name)

    def _manifest_entries(self) -> list[Entry]:
        try:
            text = self.read_text(MANIFEST, MAX_MANIFEST_BYTES)
        except EntryError as err:
            raise UsageError(f"{MANIFEST}: {err}") from err
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as err:
            raise UsageError(f"{MANIFEST} is not valid JSON: {shown(str(err).splitlines()[0] if str(err) else type(err).__name__)}") from err
        tasks = doc.get("tasks") if isinstance(doc, dict) else None
        if not isinstance(tasks, list):
            raise UsageError(f"{MANIFEST} has no list of 'tasks'")
        if len(tasks) > MAX_ENTRIES:
            raise UsageError(f"{MANIFEST} lists {len(tasks)} tasks; at most {MAX_ENTRIES}")
        return [_entry(item) for item in tasks]


def _entry(item: Any) -> Entry:
    if not isinstance(item, dict):
        return Entry(name=shown(item, 60), file=None, problem="a manifest entry that is not an object")
    name = item.get("name")
    file = item.get("file")
    if file is None and isinstance(name, str):
        file = f"{name}.py"
    description = item.get("description")
    tags = item.get("tags")
    entry = Entry(
        name=name, file=file,
        description=description[:MAX_DESCRIPTION] if isinstance(description, str) else "",
        tags=[t[:40] for t in tags[:MAX_TAGS] if isinstance(t, str) and t.isascii() and t.isprintable()]
        if isinstance(tags, list) else [],
        provider=_short(item.get("provider"), 64), model=_short(item.get("model"), 200),
    )
    return entry


def _is_dunder(file_name: str) -> bool:
    stem = file_name[:-3]
    return len(stem) > 4 and stem.startswith("__") and stem.endswith("__")


def _short(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return shown(value, limit)


def _check_stat(name: str, st: os.stat_result, limit: int) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise EntryError("path", f"'{shown(name)}' is a symbolic link: files must be inside the bundle")
    if not stat.S_ISREG(st.st_mode):
        raise EntryError("path", f"'{shown(name)}' is not a regular file (a device, FIFO, socket or folder)")
    if st.st_nlink > 1:
        raise EntryError("path", f"'{shown(name)}' is hard-linked to another file: copy it into the bundle")
    if st.st_size > limit:
        raise EntryError("read", f"'{shown(name)}' is larger than {limit // 1024} KiB")


def _read_at_most(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    left = n
    while left > 0:
        chunk = os.read(fd, min(left, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
