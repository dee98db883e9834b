// Twin of crates/tokenshift-core/src/prepare/stats.rs: per-record outcome codes (the same numbers) and the
// counters of a prepared batch.

import type { NativePrepared, NativePrepareStats } from '../../../native/index.js';

export const RECORD_STATUS = ['kept', 'truncated', 'too_long', 'no_trainable_labels', 'chat_turn_not_found', 'invalid', 'empty_completion'] as const;
export type RecordStatusName = (typeof RECORD_STATUS)[number];

export const STATUS_KEPT = 0;
export const STATUS_TRUNCATED = 1;
export const STATUS_TOO_LONG = 2;
export const STATUS_NO_TRAINABLE = 3;
export const STATUS_CHAT_TURN = 4;
export const STATUS_INVALID = 5;
export const STATUS_EMPTY_COMPLETION = 6;

/**
 * The batch a backend returns: the native addon's generated type, plus the count of records the TS backend
 * tokenized (the native backend's engines are `pipelineRecords` / `referenceRecords`).
 */
export type RawPrepared = Omit<NativePrepared, 'stats'> & { stats: NativePrepareStats & { tsRecords?: number } };
