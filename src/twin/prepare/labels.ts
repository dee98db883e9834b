// Twin of crates/tokenshift-core/src/prepare/labels.rs — the one place a token's label is decided.
//   shift 'model': labels[i] = t[i]   ? ids[i]   : ignore
//   shift 'data':  labels[i] = t[i+1] ? ids[i+1] : ignore, and labels[n-1] = ignore

import type { Shift } from './options.js';

export function computeLabels(ids: ArrayLike<number>, trainable: ArrayLike<number>, shift: Shift, ignoreIndex: number): Int32Array {
  const n = Math.min(ids.length, trainable.length);
  const labels = new Int32Array(n).fill(ignoreIndex);
  const from = shift === 'model' ? 0 : 1;
  for (let i = from; i < n; i++) {
    if (trainable[i] === 1) labels[i - from] = ids[i] as number;
  }
  return labels;
}
