"""tokenshift's `megatron` output through Megatron-Core's own code (megatron.core.datasets.indexed_dataset).

  read DIR...            every sequence of DIR/input_ids and DIR/loss_mask, read with IndexedDataset, as JSON
                         lines {"input_ids": [...], "loss_mask": [...]}, the DIRs one after another
  blend DATA_PATHS MASK_PATHS  the prefixes listed in two files (tokenshift status's data-path.txt and
                         loss-mask-path.txt) parsed by get_blend_from_list, as `--data-path $(cat …)` is,
                         each prefix read with IndexedDataset in order, as JSON lines like `read`
  merge OUT DIR...       the DIRs' datasets concatenated by IndexedDatasetBuilder.add_index (what Megatron's
                         tools/merge_datasets.py does) into OUT/input_ids and OUT/loss_mask
  write ROWS VOCAB OUT   JSON lines {"input_ids", "loss_mask"} written by IndexedDatasetBuilder, one document
                         per row, the tokens in DType.optimal_dtype(VOCAB) and the mask in uint8, as the
                         reference bytes for ours
"""

import json
import os
import sys

import numpy
import torch
from megatron.core.datasets.indexed_dataset import DType, IndexedDataset, IndexedDatasetBuilder
from megatron.core.datasets.utils import get_blend_from_list

DATASETS = ("input_ids", "loss_mask")


def read(dirs):
    out = sys.stdout
    for d in dirs:
        tokens = IndexedDataset(os.path.join(d, "input_ids"))
        mask = IndexedDataset(os.path.join(d, "loss_mask"))
        assert len(tokens) == len(mask), (len(tokens), len(mask))
        # One document per sequence.
        assert tokens.document_indices.tolist() == list(range(len(tokens) + 1))
        for i in range(len(tokens)):
            out.write(json.dumps({"input_ids": tokens[i].tolist(), "loss_mask": mask[i].tolist()}) + "\n")


def blend(data_paths, mask_paths):
    def prefixes(path):
        with open(path, encoding="utf-8") as f:
            listed, weights = get_blend_from_list(f.read().split())
        assert weights is None, weights
        return listed

    out = sys.stdout
    for tokens_prefix, mask_prefix in zip(prefixes(data_paths), prefixes(mask_paths), strict=True):
        tokens = IndexedDataset(tokens_prefix)
        mask = IndexedDataset(mask_prefix)
        assert len(tokens) == len(mask), (len(tokens), len(mask))
        for i in range(len(tokens)):
            out.write(json.dumps({"input_ids": tokens[i].tolist(), "loss_mask": mask[i].tolist()}) + "\n")


def merge(out_dir, dirs):
    os.makedirs(out_dir, exist_ok=True)
    for name in DATASETS:
        dtype = IndexedDataset(os.path.join(dirs[0], name)).index.dtype
        builder = IndexedDatasetBuilder(os.path.join(out_dir, name + ".bin"), dtype=dtype)
        for d in dirs:
            builder.add_index(os.path.join(d, name))
        builder.finalize(os.path.join(out_dir, name + ".idx"))


def write(rows_path, vocab_size, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    builders = {
        "input_ids": IndexedDatasetBuilder(
            os.path.join(out_dir, "input_ids.bin"), dtype=DType.optimal_dtype(vocab_size)
        ),
        "loss_mask": IndexedDatasetBuilder(os.path.join(out_dir, "loss_mask.bin"), dtype=numpy.uint8),
    }
    with open(rows_path, encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            for name, builder in builders.items():
                builder.add_item(torch.tensor(row[name], dtype=torch.int64))
                builder.end_document()
    for name, builder in builders.items():
        builder.finalize(os.path.join(out_dir, name + ".idx"))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "read":
        read(args)
    elif command == "blend":
        blend(args[0], args[1])
    elif command == "merge":
        merge(args[0], args[1:])
    elif command == "write":
        write(args[0], int(args[1]), args[2])
    else:
        sys.exit(f"unknown command {command}")
