"""Runs untrusted task code in a separate, limited process and returns a structured verdict.

`run_in_sandbox(job, payload, limits)` runs any trusted job function in a hardened child
(`runner.py`, `bwrap.py`, `child.py`, `guard.py`, `phases.py`). It is a mechanism: the jobs belong to
their callers (the gate's are `gensim.checking.record_job` and `gensim.checking.replay`).
See docs/sandbox.md.
"""

from gensim.sandbox.runner import Limits, SandboxResult, run_in_sandbox

__all__ = ["Limits", "SandboxResult", "run_in_sandbox"]
