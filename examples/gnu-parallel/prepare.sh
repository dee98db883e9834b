#!/bin/bash
# Prepare one dataset as N shards with GNU parallel, on this machine or across machines with
# --sshlogin (every machine must see the same paths). Shard I reads about 1/N of the input; rerunning
# the script redoes only the shards without a completion record (docs/scale-out.md).
#
#   examples/gnu-parallel/prepare.sh TOKENIZER INPUT OUTPUT [SHARDS] [JOBS]
set -euo pipefail
tokenizer="${1:?usage: prepare.sh TOKENIZER INPUT OUTPUT [SHARDS] [JOBS]}"
input="${2:?usage: prepare.sh TOKENIZER INPUT OUTPUT [SHARDS] [JOBS]}"
output="${3:?usage: prepare.sh TOKENIZER INPUT OUTPUT [SHARDS] [JOBS]}"
shards="${4:-4}"
jobs="${5:-$shards}"
read -r -a tokenshift <<<"${TOKENSHIFT:-npx --no-install tokenshift}"

# --halt never: every shard gets its chance; status below says which failed.
seq 0 $((shards - 1)) | parallel -q --jobs "$jobs" --halt never --line-buffer --tagstring 'shard {}' \
  "${tokenshift[@]}" prepare --tokenizer "$tokenizer" --input "$input" --output "$output" \
  --shift model --shard '{}/'"$shards" --stats "${output%.*}-stats.json" || true

exec "${tokenshift[@]}" status --output "$output" --shards "$shards" --stats "${output%.*}-stats.json"
