"""tokenshift's `memmap` output through OLMo's own reader (olmo.data.memmap_dataset.MemMapDataset).

  read SEQ_LEN DTYPE DIR...   every instance MemMapDataset gives for DIR/input_ids.npy (with
                              label_mask_paths DIR/label_mask.npy), the DIRs as one dataset, as JSON lines
                              {"input_ids": [...], "label_mask": [...]}
"""

import json
import os
import sys

import numpy
from olmo.data.memmap_dataset import MemMapDataset


def read(seq_len, dtype, dirs):
    dataset = MemMapDataset(
        *[os.path.join(d, "input_ids.npy") for d in dirs],
        chunk_size=seq_len,
        memmap_dtype=getattr(numpy, dtype),
        label_mask_paths=[os.path.join(d, "label_mask.npy") for d in dirs],
    )
    out = sys.stdout
    for i in range(len(dataset)):
        item = dataset[i]
        out.write(
            json.dumps({"input_ids": item["input_ids"].tolist(), "label_mask": item["label_mask"].int().tolist()}) + "\n"
        )


if __name__ == "__main__":
    read(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
