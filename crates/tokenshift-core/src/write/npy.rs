//! NumPy `.npy` files, one per column, in a directory: `input_ids`, `labels`, `attention_mask`,
//! `position_ids`, each `[rows, length]` (`np.load(dir/"input_ids.npy")`). Rows are padded to the fixed
//! `length` by collation, so padding is never trained. Format: NPY 1.0 (magic, version, a Python-dict
//! header padded to 64 bytes, C-order little-endian data). The header has room for any row count and
//! is rewritten when the number of rows is known, so rows can stream through.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::atomic::PendingPath;
use super::{io_error, DatasetWriter, Dtype, WriteSummary, WriterOptions};
use crate::collate::{collate, CollateOptions};
use crate::error::{Error, Result};
use crate::rows::RowBatch;
use crate::rows::Rows;

pub const COLUMNS: [&str; 4] = ["input_ids", "labels", "attention_mask", "position_ids"];
/// Magic (6) + version (2) + header length (2) + header, a multiple of 64 as the format asks.
const HEADER_BYTES: usize = 128;
/// Cells collated at once (4 Mi: 64 MiB over the four int32 columns).
const GROUP_CELLS: usize = 1 << 22;

/// The NPY 1.0 header for a C-order 2-D array, padded with spaces to `HEADER_BYTES`.
pub fn header(dtype: Dtype, rows: u64, length: u32) -> Vec<u8> {
    let descr = match dtype {
        Dtype::Int32 => "<i4",
        Dtype::Int64 => "<i8",
    };
    let dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {length}), }}");
    let mut out = Vec::with_capacity(HEADER_BYTES);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&((HEADER_BYTES - 10) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(HEADER_BYTES - 1, b' ');
    out.push(b'\n');
    out
}

pub struct NpyWriter {
    pending: PendingPath,
    files: Vec<(PathBuf, BufWriter<File>)>,
    collate: CollateOptions,
    length: u32,
    dtype: Dtype,
    rows: u64,
    tokens: u64,
}

impl NpyWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        let length = options.length.filter(|&l| l > 0).ok_or_else(|| Error::InvalidOption {
            option: "length".into(),
            message: "npy arrays are rectangular: give the row length (CLI: --length N; packed rows use the block size)".into(),
        })?;
        crate::limits::check_size("length", u64::from(length), crate::limits::MAX_ROW_TOKENS)?;
        let pending = PendingPath::dir(path, options.overwrite)?;
        let mut files = Vec::with_capacity(COLUMNS.len());
        for column in COLUMNS {
            let file_path = pending.path().join(format!("{column}.npy"));
            let mut file = BufWriter::with_capacity(
                1 << 20,
                File::create(&file_path).map_err(|e| io_error(&file_path, e))?,
            );
            file.write_all(&header(options.dtype, 0, length))
                .map_err(|e| io_error(&file_path, e))?;
            files.push((file_path, file));
        }
        Ok(Self {
            pending,
            files,
            collate: CollateOptions {
                length: Some(length),
                multiple_of: None,
                side: options.side,
                pad_id: options.pad_id,
                ignore_index: options.ignore_index,
            },
            length,
            dtype: options.dtype,
            rows: 0,
            tokens: 0,
        })
    }
}

/// The batch's rows padded to `options.length`, collated a group at a time so memory stays near
/// GROUP_CELLS cells whatever the batch size and row length (npy, and memmap with a row length).
pub(crate) fn padded_groups(
    batch: &RowBatch,
    options: &CollateOptions,
    mut each: impl FnMut(crate::collate::Collated) -> Result<()>,
) -> Result<()> {
    let length = options.length.unwrap_or(1).max(1) as usize;
    let group = (GROUP_CELLS / length).max(1);
    let rows = batch.rows.len();
    let mut first = 0;
    while first < rows {
        let last = (first + group).min(rows);
        let (a, b) = (
            batch.rows.offsets[first] as usize,
            batch.rows.offsets[last] as usize,
        );
        let offsets: Vec<u32> = batch.rows.offsets[first..=last]
            .iter()
            .map(|&o| o - a as u32)
            .collect();
        let part = Rows {
            input_ids: &batch.rows.input_ids[a..b],
            labels: &batch.rows.labels[a..b],
            offsets: &offsets,
        };
        let positions = batch.packed.as_ref().map(|p| &p.position_ids[a..b]);
        each(collate(&part, positions, options)?)?;
        first = last;
    }
    Ok(())
}

fn write_values(out: &mut impl Write, values: &[i32], dtype: Dtype) -> std::io::Result<()> {
    match dtype {
        Dtype::Int32 => values
            .iter()
            .try_for_each(|v| out.write_all(&v.to_le_bytes())),
        Dtype::Int64 => values
            .iter()
            .try_for_each(|&v| out.write_all(&i64::from(v).to_le_bytes())),
    }
}

impl DatasetWriter for NpyWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Npy, batch)?;
        let (files, dtype) = (&mut self.files, self.dtype);
        let mut rows = 0;
        padded_groups(batch, &self.collate, |c| {
            let columns = [&c.input_ids, &c.labels, &c.attention_mask, &c.position_ids];
            for ((path, file), values) in files.iter_mut().zip(columns) {
                write_values(file, values, dtype).map_err(|e| io_error(path, e))?;
            }
            rows += c.batch as u64;
            Ok(())
        })?;
        self.rows += rows;
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<WriteSummary> {
        let this = *self;
        for (path, file) in this.files {
            let mut file = file.into_inner().map_err(|e| io_error(&path, e.error()))?;
            file.seek(SeekFrom::Start(0))
                .and_then(|_| file.write_all(&header(this.dtype, this.rows, this.length)))
                .and_then(|_| file.sync_all())
                .map_err(|e| io_error(&path, e))?;
        }
        this.pending.commit()?;
        let mut layout = serde_json::Map::new();
        layout.insert("shape".into(), serde_json::json!([this.rows, this.length]));
        layout.insert(
            "dtype".into(),
            match this.dtype {
                Dtype::Int32 => "int32",
                Dtype::Int64 => "int64",
            }
            .into(),
        );
        Ok(WriteSummary {
            format: "npy".into(),
            rows: this.rows,
            tokens: this.tokens,
            files: COLUMNS.iter().map(|c| format!("{c}.npy")).collect(),
            layout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_64_byte_aligned_and_fits_any_row_count() {
        for rows in [0, 7, u64::MAX] {
            let h = header(Dtype::Int64, rows, 2048);
            assert_eq!(h.len(), HEADER_BYTES);
            assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
            assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, HEADER_BYTES - 10);
            let text = std::str::from_utf8(&h[10..]).expect("ascii");
            assert!(text.contains(&format!("'shape': ({rows}, 2048)")), "{text}");
            assert!(text.ends_with('\n'));
        }
    }
}
