// The per-token loss mask of Megatron's loss_mask dataset and OLMo's label_mask; twin of
// crates/tokenshift-core/src/write/learned.rs, where the rule is explained: byte i is 1 when token i is
// a trained target, whichever convention the labels follow; a row's first token never is.

import type { Shift } from '../../twin/prepare/options.js';

export function learnedMask(labels: Int32Array, shift: Shift, ignoreIndex: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 1; i < labels.length; i++) out[i] = labels[shift === 'model' ? i : i - 1] !== ignoreIndex ? 1 : 0;
  return out;
}
