//! litdata `TokensLoader` chunks (Lightning-AI/litData, what litgpt pretraining reads with
//! `StreamingDataset(dir, item_loader=TokensLoader(block_size))`). The rows' tokens form one stream cut
//! into chunk files of `chunk_size` tokens (the last one shorter), so no token is lost between chunks:
//! TokensLoader serves `dim // block_size` blocks per chunk, so a chunk size that is a multiple of the
//! block size keeps every block whole. A row that crosses a chunk boundary is two items.
//!
//! `chunk-0-<index>.bin`: `uint32 num_items`, `uint32 offsets[num_items + 1]` (absolute byte offsets,
//! the header included), then the items' tokens (uint16 below 65,500 ids, else int32; little-endian).
//! `index.json` (keys sorted, as litdata writes it): `chunks` (`chunk_bytes`, `chunk_size` = items,
//! `dim` = tokens, `filename`) and `config` (`data_format` `["no_header_numpy:<code>"]`, 5 uint16 or 2
//! int32 (6 uint32 when asked) in litdata's numpy dtype table, a leaf `data_spec`, `item_loader` "TokensLoader", no compression
//! or encryption). Labels are not stored: litgpt trains `block[1:]` on `block[:-1]`, so rows whose labels
//! mask more than their convention does are counted (`maskedRows`), as for lit-gpt's `bin`.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::atomic::PendingPath;
use super::litbin::masks_more_than_convention;
use super::megatron::required;
use super::token_width::TokenWidth;
use super::{io_error, DatasetWriter, WriteSummary, WriterOptions};
use crate::error::Result;
use crate::rows::RowBatch;

/// A single array leaf, as litdata's `treespec_dumps` writes it.
pub const LEAF_SPEC: &str = r#"[1, {"type": null, "context": null, "children_spec": []}]"#;

fn numpy_code(width: TokenWidth) -> u8 {
    match width {
        TokenWidth::Uint16 => 5,
        TokenWidth::Int32 => 2,
        TokenWidth::Uint32 => 6,
    }
}

pub struct LitdataWriter {
    pending: PendingPath,
    width: TokenWidth,
    chunk_size: usize,
    ignore_index: i32,
    shift: Option<crate::prepare::Shift>,
    /// The open chunk: its items' token counts and tokens.
    items: Vec<u32>,
    tokens: Vec<i32>,
    chunks: Vec<serde_json::Value>,
    rows: u64,
    total_tokens: u64,
    masked_rows: u64,
}

impl LitdataWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        let vocab_size = required(
            options.vocab_size,
            "vocabSize",
            "the litdata format needs the vocabulary size to pick uint16 or int32",
        )?;
        let chunk_size = required(
            options.chunk_size.filter(|&n| n > 0),
            "chunkSize",
            "give the tokens per chunk file (a multiple of the block size: litgpt uses (block_size + 1) * k)",
        )?;
        crate::limits::check_size("chunkSize", chunk_size, crate::limits::MAX_CHUNK_TOKENS)?;
        Ok(Self {
            pending: PendingPath::dir(path, options.overwrite)?,
            width: TokenWidth::chosen(
                TokenWidth::megatron(vocab_size),
                options.token_dtype,
                "litdata",
                &[TokenWidth::Uint16, TokenWidth::Int32, TokenWidth::Uint32],
            )?,
            chunk_size: chunk_size as usize,
            ignore_index: options.ignore_index,
            shift: options.shift,
            items: Vec::new(),
            tokens: Vec::new(),
            chunks: Vec::new(),
            rows: 0,
            total_tokens: 0,
            masked_rows: 0,
        })
    }

    fn write_chunk(&mut self) -> Result<()> {
        let name = format!("chunk-0-{}.bin", self.chunks.len());
        let path = self.pending.path().join(&name);
        let header = 4 * (self.items.len() + 2);
        let mut bytes = Vec::with_capacity(header + self.tokens.len() * self.width.bytes());
        bytes.extend_from_slice(&(self.items.len() as u32).to_le_bytes());
        let mut offset = header as u32;
        bytes.extend_from_slice(&offset.to_le_bytes());
        for &n in &self.items {
            offset += n * self.width.bytes() as u32;
            bytes.extend_from_slice(&offset.to_le_bytes());
        }
        // Ids were checked to fit when their rows were written.
        self.width
            .extend(&mut bytes, &self.tokens, 0, "vocabSize")?;
        let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(&bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        self.chunks.push(json!({
            "chunk_bytes": bytes.len(),
            "chunk_size": self.items.len(),
            "dim": self.tokens.len(),
            "filename": name,
        }));
        self.items.clear();
        self.tokens.clear();
        Ok(())
    }
}

impl DatasetWriter for LitdataWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Litdata, batch)?;
        for r in 0..batch.rows.len() {
            let (ids, labels) = batch.rows.row(r);
            // Checked whole, so an error names the row before any of it is written.
            self.width
                .extend(&mut Vec::new(), ids, self.rows + r as u64, "vocabSize")?;
            if masks_more_than_convention(labels, self.ignore_index, self.shift) {
                self.masked_rows += 1;
            }
            let mut rest = ids;
            while !rest.is_empty() {
                let room = self.chunk_size - self.tokens.len();
                let (now, later) = rest.split_at(room.min(rest.len()));
                self.items.push(now.len() as u32);
                self.tokens.extend_from_slice(now);
                rest = later;
                if self.tokens.len() == self.chunk_size {
                    self.write_chunk()?;
                }
            }
        }
        self.rows += batch.rows.len() as u64;
        self.total_tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<WriteSummary> {
        if !self.tokens.is_empty() {
            self.write_chunk()?;
        }
        let itemsize = self.width.bytes() as u64;
        let index = json!({
            "chunks": self.chunks,
            "config": {
                "chunk_bytes": self.chunk_size as u64 * itemsize,
                "chunk_size": null,
                "compression": null,
                "data_format": [format!("no_header_numpy:{}", numpy_code(self.width))],
                "data_spec": LEAF_SPEC,
                "encryption": null,
                "item_loader": "TokensLoader",
            },
        });
        let path = self.pending.path().join("index.json");
        let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(index.to_string().as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        let this = *self;
        this.pending.commit()?;
        let mut files: Vec<String> = this
            .chunks
            .iter()
            .filter_map(|c| c["filename"].as_str().map(String::from))
            .collect();
        files.push("index.json".into());
        let mut layout = serde_json::Map::new();
        layout.insert("dtype".into(), this.width.name().into());
        layout.insert("chunkSize".into(), (this.chunk_size as u64).into());
        layout.insert("maskedRows".into(), this.masked_rows.into());
        Ok(WriteSummary {
            format: "litdata".into(),
            rows: this.rows,
            tokens: this.total_tokens,
            files,
            layout,
        })
    }
}
