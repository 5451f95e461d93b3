"""The step budget of an episode is the task's `max_steps` after that episode's reset.

Tasks size it to the scene they drew (put-block-in-bowl: one step per block plus one), and the
reference's data loop reads it after `env.reset()`. A task object reused across seeds (demos,
evaluation, the checker's recorder) must not run a seed with the previous seed's budget.
"""

from __future__ import annotations

import json

from gensim.checking.recorder import record_run
from gensim.checking.replay import judge
from gensim.sim.environment import Environment
from gensim.tasks.episode import run_episode
from gensim.tasks.registry import make_task

NAME = "put-block-in-bowl-seen-colors"
SEEDS = [0, 2, 4]


def _fresh(seed: int) -> tuple[int, bool]:
    env = Environment(render_obs=False)
    try:
        result = run_episode(env, make_task(NAME), seed)
    finally:
        env.close()
    return result.max_steps, result.success


def test_a_reused_task_runs_each_seed_with_the_budget_its_reset_set() -> None:
    task = make_task(NAME)
    env = Environment(render_obs=False)
    try:
        reused = []
        for seed in SEEDS:
            result = run_episode(env, task, seed)
            assert result.max_steps == task.max_steps  # the value this reset set
            reused.append((result.max_steps, result.success))
    finally:
        env.close()
    assert reused == [_fresh(seed) for seed in SEEDS]
    assert len({budget for budget, _ in reused}) > 1  # the seeds do draw different budgets
    assert all(ok for _, ok in reused)
    # a function of the task's value (the checker's slack) is applied to the value after reset
    env = Environment(render_obs=False)
    try:
        result = run_episode(env, task, SEEDS[0], max_steps=lambda n: n + 5)
    finally:
        env.close()
    assert result.max_steps == task.max_steps + 5


def test_the_budget_stage_judges_each_seed_by_its_own_max_steps() -> None:
    record = json.loads(json.dumps(record_run(lambda: make_task(NAME), NAME, SEEDS, f"{NAME}.py").to_json()))
    budgets = [e["max_steps"] for e in record["episodes"]]
    assert budgets[:3] == [_fresh(seed)[0] for seed in SEEDS]
    verdict = judge(record, name=NAME, version=1, seeds=SEEDS, threshold=1.0)
    assert verdict.passed, verdict.errors
    # the same record, one seed's reset having allowed fewer actions than the expert took
    longest = max(range(len(SEEDS)), key=lambda i: verdict.steps[i])
    seed, tight = SEEDS[longest], verdict.steps[longest] - 1
    assert tight >= 1
    for episode in record["episodes"]:
        if episode["seed"] == seed:
            episode["max_steps"] = tight
    verdict = judge(record, name=NAME, version=1, seeds=SEEDS, threshold=1.0)
    assert verdict.stage == "budget", verdict.errors
    assert f"seed {seed} (max_steps={tight})" in verdict.errors[0]
