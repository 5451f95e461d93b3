"""The child side of the sandbox: `python -m gensim.sandbox.child REQUEST VERDICT`.

Reads the job, runs it, writes `{"ok": ..., "result" | "error", "token"}` to the verdict path.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import traceback
from pathlib import Path


def main(request_path: str, verdict_path: str) -> int:
    request = Path(request_path)
    token = hashlib.sha256(str(request).encode() + str(request.stat().st_ino).encode()).hexdigest()[:16]
    doc = json.loads(request.read_text())
    verdict_fd = os.open(verdict_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    request.unlink()  # the job cannot re-read its request
    module, _, func = doc["job"].partition(":")
    try:
        fn = getattr(importlib.import_module(module), func)
        result = fn(doc["payload"])
        out = {"ok": True, "result": result, "token": token}
    except BaseException as err:  # noqa: BLE001 - everything the job raises is a verdict
        out = {
            "ok": False,
            "error": f"{type(err).__name__}: {err}"[:2000],
            "traceback": traceback.format_exc()[-4000:],
            "token": token,
        }
    os.write(verdict_fd, json.dumps(out, default=str).encode())
    os.close(verdict_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
