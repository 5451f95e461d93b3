"""Runs untrusted task code in a separate, limited process and returns a structured verdict.

`run_in_sandbox(job, payload, limits)` runs any trusted job function in a hardened child
(`runner.py`, `child.py`, `isolation.py`, `guard.py`); `check_code` / `check_file`
(`check.py`) check task code there, with a verdict task code cannot fake (`check_job.py`,
`shadow.py`). See docs/sandbox.md.
"""

from gensim.sandbox.runner import Limits, SandboxResult, run_in_sandbox

__all__ = ["Limits", "SandboxResult", "run_in_sandbox"]
