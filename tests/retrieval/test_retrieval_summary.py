"""The AST summary of task code and the text embedded for a task version."""

from __future__ import annotations

from gensim.retrieval.records import Doc, doc_text, fingerprint
from gensim.retrieval.summary import normalize_asset, summarize_code

TASK_CODE = '''
import numpy as np
from cliport.tasks.task import Task
from cliport.utils import utils


class StackRedOnGreen(Task):
    """Stack every red block on the green pallet."""

    def __init__(self):
        super().__init__()
        self.max_steps = 12
        self.lang_template = "stack the   red blocks on the green pallet"
        self.task_completed_desc = "done stacking."
        self.additional_reset()

    def reset(self, env):
        super().reset(env)
        pallet_size = (0.15, 0.15, 0.02)
        pallet_pose = self.get_random_pose(env, pallet_size)
        env.add_object("pallet/pallet.urdf", pallet_pose, "fixed", color=utils.COLORS["green"])
        size = (0.04, 0.04, 0.04)
        urdf = self.fill_template("box/box-template.urdf", {"DIM": size})
        for i in range(3):
            pose = self.get_random_pose(env, size)
            block = env.add_object(urdf, pose, color="red")
            self.add_goal(objs=[block], matches=np.ones((1, 1)), targ_poses=[pallet_pose],
                          replace=True, rotations=True, metric="pose", params=None,
                          step_max_reward=1 / 3, language_goal=self.lang_template)
'''


def test_summary_reads_assets_colors_relations_and_goals() -> None:
    summary = summarize_code(TASK_CODE)
    assert summary.parsed
    assert summary.class_name == "StackRedOnGreen"
    assert summary.lang_template == "stack the red blocks on the green pallet"
    assert summary.assets == ("box/box", "pallet/pallet")
    assert summary.colors == ("green", "red")
    assert "stack" in summary.relations and "palletize" in summary.relations
    assert summary.goal_calls == 1 and summary.goals_in_loop
    assert summary.metrics == ("pose",)
    assert summary.max_steps == 12
    text = summary.to_text()
    assert "uses box, pallet" in text and "1 goal repeated per object" in text


def test_summary_of_bad_or_missing_code() -> None:
    assert summarize_code("def broken(:\n").parsed is False
    assert summarize_code(None).to_text() == ""


def test_summary_is_deterministic() -> None:
    assert summarize_code(TASK_CODE) == summarize_code(TASK_CODE)
    assert summarize_code(TASK_CODE).to_text() == summarize_code(TASK_CODE).to_text()


def test_normalize_asset_merges_templates_and_filled_copies() -> None:
    assert normalize_asset("container/container-template.urdf") == "container/container"
    assert normalize_asset("./kitting/00.obj") == "kitting/00"


def test_doc_text_has_name_words_description_and_code() -> None:
    doc = Doc(id=7, name="stack-red-on-green", description="Stack red blocks.", code=TASK_CODE)
    text = doc_text(doc)
    assert text.startswith("stack red on green. Stack red blocks. Code: instruction:")
    assert doc.asset_set == frozenset({"box/box", "pallet/pallet"})
    # without code, the record's own asset list is used and embedded
    bare = Doc(id=8, name="x", description="y", assets=("bowl/bowl.urdf",))
    assert bare.asset_set == frozenset({"bowl/bowl"}) and "Uses bowl." in doc_text(bare)


def test_fingerprint_tracks_ids_texts_and_embedder() -> None:
    a = Doc(id=1, name="a", description="one")
    b = Doc(id=2, name="b", description="two")
    base = fingerprint([a, b], "m")
    assert fingerprint([b, a], "m") == base  # order does not matter
    assert fingerprint([a], "m") != base
    assert fingerprint([a, Doc(id=2, name="b", description="two!")], "m") != base
    assert fingerprint([a, b], "other-model") != base
