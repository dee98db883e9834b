use napi::bindgen_prelude::{Int32Array, Uint32Array};
use napi_derive::napi;
use tokenshift_core::align::check_alignment as check;
use tokenshift_core::prepare::Shift;

use crate::guard::guard;

#[napi(object)]
pub struct NativeAlignmentReport {
    pub rows: f64,
    pub labelled: f64,
    pub same_position: f64,
    pub next_position: f64,
    pub after_next_position: f64,
    pub detected: String,
    pub double_shifted_rows: Uint32Array,
    pub unshifted_rows: Uint32Array,
    pub fully_masked_rows: Uint32Array,
    pub masked_eos_rows: Uint32Array,
    pub length_mismatch_rows: Uint32Array,
}

/// Rows in CSR form; `shift` is 'model' or 'data' (validated by the TS facade).
#[napi]
pub fn check_alignment(
    ids: Int32Array,
    labels: Int32Array,
    offsets: Uint32Array,
    label_offsets: Uint32Array,
    shift: String,
    ignore_index: i32,
    eos: Option<i32>,
) -> napi::Result<NativeAlignmentReport> {
    let expected = match shift.as_str() {
        "model" => Shift::Model,
        "data" => Shift::Data,
        other => {
            return Err(crate::guard::coded(
                "OPTION",
                &format!("shift must be 'model' or 'data', got {other:?}"),
            ))
        }
    };
    let report = guard(|| {
        Ok(check(
            &ids,
            &labels,
            &offsets,
            &label_offsets,
            expected,
            ignore_index,
            eos,
        ))
    })?;
    Ok(NativeAlignmentReport {
        rows: report.rows as f64,
        labelled: report.labelled as f64,
        same_position: report.same_position as f64,
        next_position: report.next_position as f64,
        after_next_position: report.after_next_position as f64,
        detected: report.detected().as_str().to_owned(),
        double_shifted_rows: Uint32Array::new(report.double_shifted_rows),
        unshifted_rows: Uint32Array::new(report.unshifted_rows),
        fully_masked_rows: Uint32Array::new(report.fully_masked_rows),
        masked_eos_rows: Uint32Array::new(report.masked_eos_rows),
        length_mismatch_rows: Uint32Array::new(report.length_mismatch_rows),
    })
}
