// Per-record outcome codes, shared with crates/tokenshift-core/src/prepare/stats.rs.

export const RECORD_STATUS = ['kept', 'truncated', 'too_long', 'no_trainable_labels', 'chat_turn_not_found', 'invalid', 'empty_completion'] as const;
export type RecordStatusName = (typeof RECORD_STATUS)[number];

export const STATUS_KEPT = 0;
export const STATUS_TRUNCATED = 1;
export const STATUS_TOO_LONG = 2;
export const STATUS_NO_TRAINABLE = 3;
export const STATUS_CHAT_TURN = 4;
export const STATUS_INVALID = 5;
export const STATUS_EMPTY_COMPLETION = 6;

/** The batch a backend returns: rows in CSR form plus counters (field names as the native addon's). */
export interface RawPrepared {
  inputIds: Int32Array;
  labels: Int32Array;
  offsets: Uint32Array;
  rowRecords: Uint32Array;
  recordStatus: Uint8Array;
  stats: {
    records: number;
    rows: number;
    tokens: number;
    trainedLabels: number;
    truncated: Uint32Array;
    skippedTooLong: Uint32Array;
    skippedNoTrainable: Uint32Array;
    skippedEmptyCompletion: Uint32Array;
    skippedChatRecords: Uint32Array;
    skippedChatReasons: string[];
    skippedInvalidRecords: Uint32Array;
    skippedInvalidReasons: string[];
    bosRepeated: number;
    eotUntrained: number;
    /** Records tokenized by tokenizers 1.0 / 0.23 (native) or by the TS backend. */
    pipelineRecords: number;
    referenceRecords: number;
    tsRecords?: number;
  };
}
