"""Runs untrusted task code in a separate, limited process and returns a structured verdict."""

from gensim.sandbox.runner import Limits, SandboxResult, run_in_sandbox

__all__ = ["Limits", "SandboxResult", "run_in_sandbox"]
