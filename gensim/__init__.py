"""gensim: language models write robotic simulation tasks as code; gensim keeps the ones that work.

Importing this package is cheap on purpose: it imports none of torch, mlflow, pybullet or an LLM
client. Those are imported where they are used.
"""

__version__ = "0.1.0"
