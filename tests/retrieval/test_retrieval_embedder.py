"""Embedders: the hashing stand-in and the real MiniLM model."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gensim.errors import UnknownNameError
from gensim.retrieval.embedder import Embedder, HashingEmbedder, get_embedder


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    embedder = HashingEmbedder(128)
    texts = ["stack the blocks", "stack the blocks", "sweep the pile", ""]
    a, b = embedder.embed(texts), HashingEmbedder(128).embed(texts)
    assert a.shape == (4, 128) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert a[0] @ a[1] == pytest.approx(1.0, abs=1e-6)
    # shared words and trigrams make texts closer than unrelated ones
    stack = embedder.embed(["stacking blocks"])[0]
    assert stack @ a[0] > stack @ a[2]
    assert isinstance(embedder, Embedder)


def test_unknown_embedder_names_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="minilm"):
        get_embedder("minilmm")


def test_import_does_not_load_heavy_libraries() -> None:
    code = (
        "import sys, gensim.retrieval; "
        "heavy = [m for m in ('faiss', 'torch', 'sentence_transformers', 'mlflow') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_minilm_embeds_normalised_384d_vectors(minilm: Embedder) -> None:
    vecs = minilm.embed(
        [
            "put the red block in the green bowl",
            "place red cube into green bowl",
            "sweep the pile of beans into the zone",
        ]
    )
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    # cached texts come back identical, and order in a batch does not change a vector
    again = minilm.embed(
        ["sweep the pile of beans into the zone", "put the red block in the green bowl"]
    )
    np.testing.assert_allclose(again[1], vecs[0], atol=1e-6)
    assert minilm.name == "all-MiniLM-L6-v2" and minilm.dim == 384
