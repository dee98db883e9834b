use napi::bindgen_prelude::{BigInt64Array, Int32Array, Uint32Array};
use napi::Either;
use napi_derive::napi;
use tokenshift_core::collate::{collate as collate_rows, CollateOptions};
use tokenshift_core::pack::{pack as pack_rows, PackOptions};
use tokenshift_core::rows::Rows;

use crate::guard::guard;

#[napi(object)]
pub struct NativePackStats {
    pub examples: f64,
    pub rows: f64,
    pub tokens: f64,
    pub pad_tokens: f64,
    pub truncated_examples: f64,
    pub dropped_examples: f64,
    pub fully_masked_examples: f64,
    pub dropped_tail_tokens: f64,
}

#[napi(object)]
pub struct NativePacked {
    pub input_ids: Int32Array,
    pub labels: Int32Array,
    pub position_ids: Int32Array,
    pub offsets: Uint32Array,
    pub seq_lens: Uint32Array,
    pub seq_offsets: Uint32Array,
    pub stats: NativePackStats,
}

/// Packs rows (CSR) per `options_json` (validated by the TS facade).
#[napi]
pub fn pack(
    input_ids: Int32Array,
    labels: Int32Array,
    offsets: Uint32Array,
    options_json: String,
) -> napi::Result<NativePacked> {
    let packed = guard(|| {
        let options = PackOptions::from_json_str(&options_json)?;
        pack_rows(
            &Rows {
                input_ids: &input_ids,
                labels: &labels,
                offsets: &offsets,
            },
            &options,
        )
    })?;
    let s = packed.stats;
    Ok(NativePacked {
        input_ids: Int32Array::new(packed.input_ids),
        labels: Int32Array::new(packed.labels),
        position_ids: Int32Array::new(packed.position_ids),
        offsets: Uint32Array::new(packed.offsets),
        seq_lens: Uint32Array::new(packed.seq_lens),
        seq_offsets: Uint32Array::new(packed.seq_offsets),
        stats: NativePackStats {
            examples: s.examples as f64,
            rows: s.rows as f64,
            tokens: s.tokens as f64,
            pad_tokens: s.pad_tokens as f64,
            truncated_examples: s.truncated_examples as f64,
            dropped_examples: s.dropped_examples as f64,
            fully_masked_examples: s.fully_masked_examples as f64,
            dropped_tail_tokens: s.dropped_tail_tokens as f64,
        },
    })
}

#[napi(object)]
pub struct NativeCollated {
    pub batch: u32,
    pub length: u32,
    pub input_ids: Either<Int32Array, BigInt64Array>,
    pub labels: Either<Int32Array, BigInt64Array>,
    pub attention_mask: Either<Int32Array, BigInt64Array>,
    pub position_ids: Either<Int32Array, BigInt64Array>,
}

/// Pads rows (CSR) into row-major `[batch, length]` arrays; `int64` returns BigInt64Arrays.
#[napi]
pub fn collate(
    input_ids: Int32Array,
    labels: Int32Array,
    offsets: Uint32Array,
    position_ids: Option<Int32Array>,
    options_json: String,
    int64: bool,
) -> napi::Result<NativeCollated> {
    let c = guard(|| {
        let options = CollateOptions::from_json_str(&options_json)?;
        collate_rows(
            &Rows {
                input_ids: &input_ids,
                labels: &labels,
                offsets: &offsets,
            },
            position_ids.as_deref(),
            &options,
        )
    })?;
    let typed = |v: Vec<i32>| {
        if int64 {
            Either::B(BigInt64Array::new(v.into_iter().map(i64::from).collect()))
        } else {
            Either::A(Int32Array::new(v))
        }
    };
    Ok(NativeCollated {
        batch: u32::try_from(c.batch).unwrap_or(u32::MAX),
        length: u32::try_from(c.length).unwrap_or(u32::MAX),
        input_ids: typed(c.input_ids),
        labels: typed(c.labels),
        attention_mask: typed(c.attention_mask),
        position_ids: typed(c.position_ids),
    })
}
