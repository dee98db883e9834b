//! lit-gpt packed-dataset chunks, as TinyLlama's pretraining reads them (`PackedDataset` in
//! `lit_gpt/packed_dataset.py`): every row's `input_ids` appended to one token stream, cut into files
//! `<prefix>_<counter:010>.bin` of `chunk_size` tokens each. Each file is a 24-byte header — `LITPKDS`,
//! version (u64 LE, 1), dtype code (u8: 8 = uint16, 4 = int32), chunk size (u64 LE) — then the tokens.
//! The last chunk is filled up with `sep_id`. Labels are not stored: the trainer cuts windows of
//! `block_size + 1` tokens and takes `targets = window[1:]`, so masks in the labels cannot be kept;
//! rows whose labels mask more than their convention does are counted (`maskedRows`).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::atomic::PendingPath;
use super::{io_error, DatasetWriter, WriteSummary, WriterOptions};
use crate::error::{Error, Result};
use crate::rows::RowBatch;

pub const MAGIC: &[u8; 7] = b"LITPKDS";
pub const VERSION: u64 = 1;
/// lit-gpt picks uint16 when `vocab_size < 65500`.
pub const UINT16_VOCAB_LIMIT: u32 = 65500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenType {
    Uint16,
    Int32,
}

impl TokenType {
    fn code(self) -> u8 {
        match self {
            Self::Uint16 => 8,
            Self::Int32 => 4,
        }
    }
}

/// Whether a row's labels ignore more positions than its convention does by itself (none for `model`,
/// the last one for `data`): the mask a token-stream format cannot keep.
pub(crate) fn masks_more_than_convention(
    labels: &[i32],
    ignore_index: i32,
    shift: Option<crate::prepare::Shift>,
) -> bool {
    let conventional = usize::from(shift != Some(crate::prepare::Shift::Model));
    labels.iter().filter(|&&l| l == ignore_index).count() > conventional
}

pub struct LitBinWriter {
    pending: PendingPath,
    prefix: String,
    chunk_size: usize,
    sep_id: i32,
    token_type: TokenType,
    ignore_index: i32,
    shift: Option<crate::prepare::Shift>,
    chunk: Vec<i32>,
    files: Vec<String>,
    rows: u64,
    tokens: u64,
    masked_rows: u64,
}

impl LitBinWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        let missing = |option: &str, message: &str| Error::InvalidOption {
            option: option.into(),
            message: message.into(),
        };
        let vocab_size = options.vocab_size.ok_or_else(|| {
            missing(
                "vocabSize",
                "the bin format needs the vocabulary size to pick uint16 or int32",
            )
        })?;
        let sep_id = options.sep_id.ok_or_else(|| {
            missing(
                "sepId",
                "the bin format fills the last chunk with a separator id (TinyLlama: BOS)",
            )
        })?;
        let chunk_size = options.chunk_size.filter(|&n| n > 0).ok_or_else(|| {
            missing(
                "chunkSize",
                "give the tokens per chunk file (TinyLlama: (block_size + 1) * 1024)",
            )
        })?;
        crate::limits::check_size("chunkSize", chunk_size, crate::limits::MAX_CHUNK_TOKENS)?;
        let chunk_size = usize::try_from(chunk_size)
            .map_err(|_| missing("chunkSize", "is too large for this machine"))?;
        let token_type = if vocab_size < UINT16_VOCAB_LIMIT {
            TokenType::Uint16
        } else {
            TokenType::Int32
        };
        if token_type == TokenType::Uint16 && !(0..=i32::from(u16::MAX)).contains(&sep_id) {
            return Err(missing("sepId", "does not fit uint16"));
        }
        Ok(Self {
            pending: PendingPath::dir(path, options.overwrite)?,
            prefix: options.prefix.clone().unwrap_or_else(|| "train".into()),
            chunk_size,
            sep_id,
            token_type,
            ignore_index: options.ignore_index,
            shift: options.shift,
            chunk: Vec::with_capacity(chunk_size.min(1 << 24)),
            files: Vec::new(),
            rows: 0,
            tokens: 0,
            masked_rows: 0,
        })
    }

    fn write_chunk(&mut self) -> Result<()> {
        let name = format!("{}_{:010}.bin", self.prefix, self.files.len());
        let path = self.pending.path().join(&name);
        self.chunk.resize(self.chunk_size, self.sep_id);
        let width = if self.token_type == TokenType::Uint16 {
            2
        } else {
            4
        };
        let mut bytes = Vec::with_capacity(24 + self.chunk_size * width);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.push(self.token_type.code());
        bytes.extend_from_slice(&(self.chunk_size as u64).to_le_bytes());
        match self.token_type {
            // Ids were checked to fit when they entered the chunk.
            TokenType::Uint16 => self
                .chunk
                .iter()
                .for_each(|&id| bytes.extend_from_slice(&(id as u16).to_le_bytes())),
            TokenType::Int32 => self
                .chunk
                .iter()
                .for_each(|&id| bytes.extend_from_slice(&id.to_le_bytes())),
        }
        let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(&bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        self.files.push(name);
        self.chunk.clear();
        Ok(())
    }
}

impl DatasetWriter for LitBinWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Bin, batch)?;
        for r in 0..batch.rows.len() {
            let (ids, labels) = batch.rows.row(r);
            if self.token_type == TokenType::Uint16 {
                if let Some(id) = ids
                    .iter()
                    .find(|&&id| !(0..=i32::from(u16::MAX)).contains(&id))
                {
                    return Err(Error::InvalidOption {
                        option: "vocabSize".into(),
                        message: format!("token id {id} in row {} does not fit uint16; pass the tokenizer's vocabulary size", self.rows + r as u64),
                    });
                }
            }
            if masks_more_than_convention(labels, self.ignore_index, self.shift) {
                self.masked_rows += 1;
            }
            let mut rest = ids;
            while !rest.is_empty() {
                let room = self.chunk_size - self.chunk.len();
                let (now, later) = rest.split_at(room.min(rest.len()));
                self.chunk.extend_from_slice(now);
                rest = later;
                if self.chunk.len() == self.chunk_size {
                    self.write_chunk()?;
                }
            }
        }
        self.rows += batch.rows.len() as u64;
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<WriteSummary> {
        if !self.chunk.is_empty() {
            self.write_chunk()?;
        }
        let mut layout = serde_json::Map::new();
        let dtype = match self.token_type {
            TokenType::Uint16 => "uint16",
            TokenType::Int32 => "int32",
        };
        layout.insert("dtype".into(), dtype.into());
        layout.insert("chunkSize".into(), (self.chunk_size as u64).into());
        layout.insert("sepId".into(), self.sep_id.into());
        layout.insert("maskedRows".into(), self.masked_rows.into());
        let this = *self;
        this.pending.commit()?;
        Ok(WriteSummary {
            format: "bin".into(),
            rows: this.rows,
            tokens: this.tokens,
            files: this.files,
            layout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::RowBatch;
    use crate::rows::Rows;
    use crate::write::{create_writer, Format};

    fn options(vocab_size: u32) -> WriterOptions {
        WriterOptions {
            format: Format::Bin,
            ignore_index: -100,
            length: None,
            pad_id: 0,
            side: Default::default(),
            dtype: Default::default(),
            vocab_size: Some(vocab_size),
            chunk_size: Some(4),
            sep_id: Some(9),
            shift: None,
            size_limit: None,
            token_dtype: None,
            prefix: None,
            overwrite: false,
        }
    }

    #[test]
    fn rows_are_one_stream_cut_into_chunks_with_a_filled_tail() {
        let dir = std::env::temp_dir().join(format!("tokenshift-litbin-{}", std::process::id()));
        let ids = [1, 2, 3, 4, 5, 6];
        let mut writer = create_writer(&dir, options(32_000)).expect("writer");
        writer
            .write(&RowBatch {
                rows: Rows {
                    input_ids: &ids,
                    labels: &ids,
                    offsets: &[0, 5, 6],
                },
                packed: None,
                kept: None,
            })
            .expect("write");
        let summary = writer.finish().expect("finish");
        assert_eq!(
            summary.files,
            ["train_0000000000.bin", "train_0000000001.bin"]
        );
        let second = std::fs::read(dir.join("train_0000000001.bin")).expect("chunk");
        assert_eq!(&second[..7], MAGIC);
        assert_eq!(second[15], 8, "uint16 below 65500 tokens");
        assert_eq!(&second[24..], [5, 0, 6, 0, 9, 0, 9, 0]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
