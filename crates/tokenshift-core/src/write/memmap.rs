//! OLMo / dolma token memmaps: raw little-endian token arrays with no header, as OLMo's
//! `MemMapDataset` reads them (`np.memmap(path, dtype=uint16, mode="r")`, cut into windows of
//! `max_sequence_length`), and OLMo's `prepare_tulu_data.py` writes them. Two files in the directory:
//! `input_ids.npy` (uint16 while every id fits, else uint32) and `label_mask.npy` (one byte, 0 or 1, per
//! token: see `learned`). Without `length` the rows are concatenated (pretraining: the documents end
//! with EOS when the rows do); with `length` every row is padded to it (SFT: OLMo's window is then one
//! row, and padding is never a target). The `.npy` name is OLMo's; `np.load` cannot read these.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::atomic::PendingPath;
use super::learned::push_learned;
use super::megatron::{complete, create_file, required};
use super::npy::padded_groups;
use super::token_width::TokenWidth;
use super::{io_error, DatasetWriter, WriteSummary, WriterOptions};
use crate::collate::CollateOptions;
use crate::error::Result;
use crate::prepare::Shift;
use crate::rows::{RowBatch, Rows};

pub const FILES: [&str; 2] = ["input_ids.npy", "label_mask.npy"];

pub struct MemmapWriter {
    pending: PendingPath,
    tokens_file: (PathBuf, BufWriter<File>),
    mask_file: (PathBuf, BufWriter<File>),
    width: TokenWidth,
    shift: Shift,
    ignore_index: i32,
    /// Every row padded to this length (SFT), or rows as they are.
    collate: Option<CollateOptions>,
    rows: u64,
    tokens: u64,
    bytes: Vec<u8>,
    mask: Vec<u8>,
}

impl MemmapWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        let vocab_size = required(
            options.vocab_size,
            "vocabSize",
            "the memmap format needs the vocabulary size to pick uint16 or uint32",
        )?;
        let shift = required(
            options.shift,
            "shift",
            "the memmap format needs the labels' convention to write label_mask",
        )?;
        let width = TokenWidth::chosen(
            TokenWidth::memmap(vocab_size),
            options.token_dtype,
            "memmap",
            &[TokenWidth::Uint16, TokenWidth::Uint32],
        )?;
        let collate = match options.length {
            Some(length) => {
                crate::limits::check_size(
                    "length",
                    u64::from(length),
                    crate::limits::MAX_ROW_TOKENS,
                )?;
                // The padding id is stored like any token.
                width.extend(&mut Vec::new(), &[options.pad_id], 0, "padId")?;
                Some(CollateOptions {
                    length: Some(length),
                    multiple_of: None,
                    side: options.side,
                    pad_id: options.pad_id,
                    ignore_index: options.ignore_index,
                })
            }
            None => None,
        };
        let pending = PendingPath::dir(path, options.overwrite)?;
        let tokens_file = create_file(pending.path().join(FILES[0]))?;
        let mask_file = create_file(pending.path().join(FILES[1]))?;
        Ok(Self {
            pending,
            tokens_file,
            mask_file,
            width,
            shift,
            ignore_index: options.ignore_index,
            collate,
            rows: 0,
            tokens: 0,
            bytes: Vec::new(),
            mask: Vec::new(),
        })
    }

    /// Appends rows (already padded or not) to the buffers.
    fn push_rows(&mut self, rows: &Rows) -> Result<()> {
        for r in 0..rows.len() {
            let (ids, labels) = rows.row(r);
            self.width
                .extend(&mut self.bytes, ids, self.rows + r as u64, "vocabSize")?;
            push_learned(&mut self.mask, labels, self.shift, self.ignore_index);
        }
        self.rows += rows.len() as u64;
        Ok(())
    }

    fn flush_buffers(&mut self) -> Result<()> {
        let (path, file) = &mut self.tokens_file;
        file.write_all(&self.bytes).map_err(|e| io_error(path, e))?;
        let (path, file) = &mut self.mask_file;
        file.write_all(&self.mask).map_err(|e| io_error(path, e))?;
        self.bytes.clear();
        self.mask.clear();
        Ok(())
    }
}

impl DatasetWriter for MemmapWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Memmap, batch)?;
        match self.collate.clone() {
            None => {
                self.push_rows(&batch.rows)?;
                self.flush_buffers()?;
            }
            Some(options) => {
                let length = options.length.unwrap_or(1) as usize;
                padded_groups(batch, &options, |c| {
                    let padded_offsets: Vec<u32> =
                        (0..=c.batch).map(|r| (r * length) as u32).collect();
                    self.push_rows(&Rows {
                        input_ids: &c.input_ids,
                        labels: &c.labels,
                        offsets: &padded_offsets,
                    })?;
                    self.flush_buffers()
                })?;
            }
        }
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<WriteSummary> {
        let this = *self;
        complete(&this.tokens_file.0, this.tokens_file.1)?;
        complete(&this.mask_file.0, this.mask_file.1)?;
        this.pending.commit()?;
        let mut layout = serde_json::Map::new();
        layout.insert("dtype".into(), this.width.name().into());
        layout.insert("maskDtype".into(), "bool".into());
        if let Some(length) = this.collate.as_ref().and_then(|c| c.length) {
            layout.insert("rowLength".into(), length.into());
        }
        Ok(WriteSummary {
            format: "memmap".into(),
            rows: this.rows,
            tokens: this.tokens,
            files: FILES.iter().map(|f| f.to_string()).collect(),
            layout,
        })
    }
}
