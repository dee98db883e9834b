//! Megatron indexed datasets (`megatron/core/datasets/indexed_dataset.py` in NVIDIA/Megatron-LM), as
//! Megatron-LM/Core, NeMo, GPT-NeoX and Megatron-DeepSpeed read them with `--data-path <dir>/input_ids`.
//! Each row is one sequence and one document. Two datasets of the same shape go into the directory:
//! `input_ids` (the tokens; uint16 below 65,500 ids, else int32, Megatron's own rule) and `loss_mask`
//! (uint8, 1 where the token is a trained target: see `learned`), for SFT readers that take a mask.
//!
//! `<name>.bin` is the sequences' elements concatenated. `<name>.idx`, little-endian: `MMIDIDX\0\0`,
//! version u64 = 1, dtype code u8 (1 uint8, 4 int32, 8 uint16), sequence count u64, document count u64
//! (documents + 1), int32 lengths, int64 byte pointers (running sum of length x itemsize), int64
//! document indices (0, 1, ..., sequences).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::atomic::PendingPath;
use super::learned::push_learned;
use super::token_width::TokenWidth;
use super::{io_error, DatasetWriter, WriteSummary, WriterOptions};
use crate::error::{Error, Result};
use crate::prepare::Shift;
use crate::rows::RowBatch;

pub const INDEX_MAGIC: &[u8; 9] = b"MMIDIDX\x00\x00";
pub const DATASETS: [&str; 2] = ["input_ids", "loss_mask"];
const UINT8_CODE: u8 = 1;

fn dtype_code(width: TokenWidth) -> u8 {
    match width {
        TokenWidth::Uint16 => 8,
        TokenWidth::Int32 | TokenWidth::Uint32 => 4,
    }
}

/// The `.idx` of a dataset whose sequences have `lengths` elements of `itemsize` bytes.
pub fn index_bytes(dtype_code: u8, itemsize: u64, lengths: &[u32]) -> Vec<u8> {
    let n = lengths.len() as u64;
    let mut out = Vec::with_capacity(34 + lengths.len() * 20 + 8);
    out.extend_from_slice(INDEX_MAGIC);
    out.extend_from_slice(&1u64.to_le_bytes());
    out.push(dtype_code);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(n + 1).to_le_bytes());
    // Row lengths are capped far below i32::MAX (limits::MAX_ROW_TOKENS).
    lengths
        .iter()
        .for_each(|&l| out.extend_from_slice(&(l as i32).to_le_bytes()));
    let mut pointer = 0i64;
    for &l in lengths {
        out.extend_from_slice(&pointer.to_le_bytes());
        pointer += i64::from(l) * itemsize as i64;
    }
    (0..=n as i64).for_each(|d| out.extend_from_slice(&d.to_le_bytes()));
    out
}

pub(crate) fn required<T>(value: Option<T>, option: &str, message: &str) -> Result<T> {
    value.ok_or_else(|| Error::InvalidOption {
        option: option.into(),
        message: message.into(),
    })
}

pub(crate) fn create_file(path: PathBuf) -> Result<(PathBuf, BufWriter<File>)> {
    let file = File::create(&path).map_err(|e| io_error(&path, e))?;
    Ok((path, BufWriter::with_capacity(1 << 20, file)))
}

pub(crate) fn complete(path: &Path, file: BufWriter<File>) -> Result<()> {
    let file = file.into_inner().map_err(|e| io_error(path, e.error()))?;
    file.sync_all().map_err(|e| io_error(path, e))
}

pub struct MegatronWriter {
    pending: PendingPath,
    tokens_file: (PathBuf, BufWriter<File>),
    mask_file: (PathBuf, BufWriter<File>),
    width: TokenWidth,
    shift: Shift,
    ignore_index: i32,
    lengths: Vec<u32>,
    tokens: u64,
    bytes: Vec<u8>,
    mask: Vec<u8>,
}

impl MegatronWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        let vocab_size = required(
            options.vocab_size,
            "vocabSize",
            "the megatron format needs the vocabulary size to pick uint16 or int32",
        )?;
        let shift = required(
            options.shift,
            "shift",
            "the megatron format needs the labels' convention to write the loss mask",
        )?;
        let pending = PendingPath::dir(path, options.overwrite)?;
        let tokens_file = create_file(pending.path().join("input_ids.bin"))?;
        let mask_file = create_file(pending.path().join("loss_mask.bin"))?;
        Ok(Self {
            pending,
            tokens_file,
            mask_file,
            width: TokenWidth::chosen(
                TokenWidth::megatron(vocab_size),
                options.token_dtype,
                "megatron",
                &[TokenWidth::Uint16, TokenWidth::Int32],
            )?,
            shift,
            ignore_index: options.ignore_index,
            lengths: Vec::new(),
            tokens: 0,
            bytes: Vec::new(),
            mask: Vec::new(),
        })
    }
}

impl DatasetWriter for MegatronWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Megatron, batch)?;
        self.bytes.clear();
        self.mask.clear();
        for r in 0..batch.rows.len() {
            let (ids, labels) = batch.rows.row(r);
            let row = self.lengths.len() as u64;
            self.width.extend(&mut self.bytes, ids, row, "vocabSize")?;
            push_learned(&mut self.mask, labels, self.shift, self.ignore_index);
            self.lengths.push(ids.len() as u32);
        }
        let (path, file) = &mut self.tokens_file;
        file.write_all(&self.bytes).map_err(|e| io_error(path, e))?;
        let (path, file) = &mut self.mask_file;
        file.write_all(&self.mask).map_err(|e| io_error(path, e))?;
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<WriteSummary> {
        let this = *self;
        complete(&this.tokens_file.0, this.tokens_file.1)?;
        complete(&this.mask_file.0, this.mask_file.1)?;
        let indices = [
            (
                "input_ids.idx",
                dtype_code(this.width),
                this.width.bytes() as u64,
            ),
            ("loss_mask.idx", UINT8_CODE, 1),
        ];
        for (name, code, itemsize) in indices {
            let path = this.pending.path().join(name);
            let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
            file.write_all(&index_bytes(code, itemsize, &this.lengths))
                .and_then(|_| file.sync_all())
                .map_err(|e| io_error(&path, e))?;
        }
        this.pending.commit()?;
        let mut layout = serde_json::Map::new();
        layout.insert("dtype".into(), this.width.name().into());
        layout.insert("maskDtype".into(), "uint8".into());
        layout.insert("sequences".into(), (this.lengths.len() as u64).into());
        layout.insert(
            "datasets".into(),
            serde_json::json!({ "tokens": "input_ids", "lossMask": "loss_mask" }),
        );
        Ok(WriteSummary {
            format: "megatron".into(),
            rows: this.lengths.len() as u64,
            tokens: this.tokens,
            files: DATASETS
                .iter()
                .flat_map(|d| [format!("{d}.bin"), format!("{d}.idx")])
                .collect(),
            layout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_holds_lengths_pointers_and_one_document_per_sequence() {
        let idx = index_bytes(8, 2, &[3, 1]);
        assert_eq!(&idx[..9], INDEX_MAGIC);
        assert_eq!(idx[17], 8);
        let word = |at: usize| u64::from_le_bytes(idx[at..at + 8].try_into().expect("8 bytes"));
        assert_eq!((word(18), word(26)), (2, 3));
        assert_eq!(&idx[34..42], [3, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(
            (word(42), word(50)),
            (0, 6),
            "byte pointers: 3 uint16 tokens"
        );
        assert_eq!((word(58), word(66), word(74)), (0, 1, 2));
        assert_eq!(idx.len(), 82);
    }
}
