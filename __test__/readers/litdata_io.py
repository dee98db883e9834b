"""tokenshift's `litdata` output through litdata's own code (Lightning-AI/litData, as litgpt reads it).

  read BLOCK DIR        every item StreamingDataset(DIR, item_loader=TokensLoader(block_size=BLOCK),
                        shuffle=False) gives, as JSON lines {"input_ids": [...]}
  merge OUT DIR...      litdata.processing.functions.merge_datasets([DIR...], OUT): shards as one dataset
"""

import json
import sys

from litdata import StreamingDataset, TokensLoader
from litdata.processing.functions import merge_datasets


def read(block, directory):
    dataset = StreamingDataset(directory, item_loader=TokensLoader(block_size=block), shuffle=False)
    out = sys.stdout
    for i in range(len(dataset)):
        out.write(json.dumps({"input_ids": dataset[i].tolist()}) + "\n")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "read":
        read(int(args[0]), args[1])
    elif command == "merge":
        merge_datasets(args[1:], args[0])
    else:
        sys.exit(f"unknown command {command}")
