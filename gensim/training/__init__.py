"""Training and evaluation orchestration: task and data selection, Lightning training with
validation rollouts, MLflow and task-DB records, evaluation on the test seeds.

Library entry points (heavy imports happen inside them): `gensim.training.train.train`,
`gensim.training.evaluate.evaluate`, `gensim.training.experiment.run_experiment`.
"""
