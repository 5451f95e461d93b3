"""Policies (torch / Lightning only): the language-conditioned Transporter and its agent.

Nothing heavy is imported here; use `gensim.policies.transporter.TransporterPolicy`,
`gensim.policies.agent.PolicyAgent` and `gensim.policies.config.PolicyConfig`.
"""
