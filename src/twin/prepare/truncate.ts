// Twin of crates/tokenshift-core/src/prepare/truncate.rs: ids and labels are cut together.

import type { Truncation } from './options.js';

export type Fit = 'fits' | 'truncated' | 'too-long';

export function truncate(
  ids: Int32Array,
  labels: Int32Array,
  maxLength: number | null,
  truncation: Truncation,
): { fit: Fit; ids: Int32Array; labels: Int32Array } {
  if (maxLength === null || ids.length <= maxLength) return { fit: 'fits', ids, labels };
  switch (truncation) {
    case 'right':
      return { fit: 'truncated', ids: ids.subarray(0, maxLength), labels: labels.subarray(0, maxLength) };
    case 'left':
      return { fit: 'truncated', ids: ids.subarray(ids.length - maxLength), labels: labels.subarray(labels.length - maxLength) };
    case 'drop':
      return { fit: 'too-long', ids, labels };
  }
}
