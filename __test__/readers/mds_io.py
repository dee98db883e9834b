"""tokenshift's `mds` output through MosaicML streaming's own code (what LLM Foundry reads).

  read DIR...            every sample of StreamingDataset(streams=[Stream(local=DIR) ...], shuffle=False),
                         the DIRs as one dataset, as JSON lines {"input_ids": [...], "labels": [...]}
  write ROWS LIMIT OUT   JSON lines {"input_ids", "labels"} written by MDSWriter(columns={"input_ids":
                         "ndarray:int32", "labels": "ndarray:int32"}, out=OUT, size_limit=LIMIT): the
                         reference bytes for ours
"""

import json
import sys

import numpy
from streaming import MDSWriter, Stream, StreamingDataset
from streaming.base.util import clean_stale_shared_memory

COLUMNS = {"input_ids": "ndarray:int32", "labels": "ndarray:int32"}


def read(dirs):
    clean_stale_shared_memory()
    dataset = StreamingDataset(streams=[Stream(local=d) for d in dirs], shuffle=False, batch_size=1)
    out = sys.stdout
    for i in range(dataset.num_samples):
        sample = dataset.get_item(i)
        out.write(json.dumps({"input_ids": sample["input_ids"].tolist(), "labels": sample["labels"].tolist()}) + "\n")


def write(rows_path, size_limit, out_dir):
    with MDSWriter(columns=COLUMNS, out=out_dir, size_limit=size_limit) as writer, open(rows_path, encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            writer.write({name: numpy.array(row[name], dtype=numpy.int32) for name in COLUMNS})


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "read":
        read(args)
    elif command == "write":
        write(args[0], int(args[1]), args[2])
    else:
        sys.exit(f"unknown command {command}")
