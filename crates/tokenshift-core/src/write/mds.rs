//! MosaicML streaming MDS shards (mosaicml/streaming `MDSWriter`, what LLM Foundry's finetuning reads as
//! pre-tokenized samples): columns `input_ids` and `labels`, both `ndarray:int32` (LLM Foundry's own
//! choice), the labels as the rows hold them (use `shift model` for LLM Foundry, whose models shift).
//! Byte for byte what `MDSWriter(columns=..., out=dir, size_limit=...)` writes (no compression, no
//! hashes; `size_limit` default 1 << 26, MDSWriter's):
//!
//! `shard.<i:05>.mds`: `uint32 samples`, `uint32 offsets[samples + 1]` (absolute), the writer config as
//! JSON (Python `json.dumps(sort_keys=True)` spacing), then each sample: one `uint32` byte size per
//! column, then each column: a byte `ndim << 2 | shape dtype` (0 uint8, 1 uint16, 2 uint32 — the
//! smallest that holds the length), the length in that dtype, the values little-endian.
//! `index.json`: `{"shards": [config + samples + raw_data {basename, bytes, hashes} + zip_data],
//! "version": 2}`. A shard is closed before the sample that would take it past `size_limit` bytes
//! (counting 4 more per sample and the header), as `MDSWriter.write` does.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::atomic::PendingPath;
use super::token_width::TokenWidth;
use super::{io_error, DatasetWriter, WriteSummary, WriterOptions};
use crate::error::{Error, Result};
use crate::rows::RowBatch;

pub const DEFAULT_SIZE_LIMIT: u64 = 1 << 26;
const COLUMNS_CONFIG: &str = r#""column_encodings": ["ndarray:int32", "ndarray:int32"], "column_names": ["input_ids", "labels"], "column_sizes": [null, null], "compression": null, "format": "mds", "hashes": []"#;

/// The writer config, as `json.dumps(MDSWriter.get_config(), sort_keys=True)` prints it.
pub fn config_json(size_limit: u64) -> String {
    format!("{{{COLUMNS_CONFIG}, \"size_limit\": {size_limit}, \"version\": 2}}")
}

/// One `ndarray:int32` value: shape header, then the values.
fn push_array(out: &mut Vec<u8>, values: &[i32]) {
    let n = values.len();
    if n < 1 << 8 {
        out.push(1 << 2);
        out.push(n as u8);
    } else if n < 1 << 16 {
        out.push((1 << 2) | 1);
        out.extend_from_slice(&(n as u16).to_le_bytes());
    } else {
        out.push((1 << 2) | 2);
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    values
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
}

pub struct MdsWriter {
    pending: PendingPath,
    size_limit: usize,
    config: String,
    samples: Vec<Vec<u8>>,
    shard_size: usize,
    shards: Vec<String>,
    files: Vec<String>,
    rows: u64,
    tokens: u64,
}

impl MdsWriter {
    pub fn create(path: &Path, options: &WriterOptions) -> Result<Self> {
        TokenWidth::chosen(
            TokenWidth::Int32,
            options.token_dtype,
            "mds",
            &[TokenWidth::Int32],
        )?;
        let size_limit = options.size_limit.unwrap_or(DEFAULT_SIZE_LIMIT);
        // MDSWriter refuses limits that sample offsets (uint32) cannot address.
        if !(1..1 << 32).contains(&size_limit) {
            return Err(Error::InvalidOption {
                option: "sizeLimit".into(),
                message: format!("must be between 1 and 4294967295 bytes, got {size_limit}"),
            });
        }
        let config = config_json(size_limit);
        Ok(Self {
            pending: PendingPath::dir(path, options.overwrite)?,
            size_limit: size_limit as usize,
            shard_size: 8 + config.len(),
            config,
            samples: Vec::new(),
            shards: Vec::new(),
            files: Vec::new(),
            rows: 0,
            tokens: 0,
        })
    }

    fn flush_shard(&mut self) -> Result<()> {
        let name = format!("shard.{:05}.mds", self.shards.len());
        let n = self.samples.len();
        let mut bytes = Vec::with_capacity(self.shard_size);
        bytes.extend_from_slice(&(n as u32).to_le_bytes());
        let mut offset = (4 + 4 * (n + 1) + self.config.len()) as u32;
        bytes.extend_from_slice(&offset.to_le_bytes());
        for sample in &self.samples {
            offset += sample.len() as u32;
            bytes.extend_from_slice(&offset.to_le_bytes());
        }
        bytes.extend_from_slice(self.config.as_bytes());
        self.samples.iter().for_each(|s| bytes.extend_from_slice(s));
        let path = self.pending.path().join(&name);
        let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(&bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        self.shards.push(format!(
            "{{{COLUMNS_CONFIG}, \"raw_data\": {{\"basename\": \"{name}\", \"bytes\": {}, \"hashes\": {{}}}}, \"samples\": {n}, \"size_limit\": {}, \"version\": 2, \"zip_data\": null}}",
            bytes.len(),
            self.size_limit
        ));
        self.files.push(name);
        self.samples.clear();
        self.shard_size = 8 + self.config.len();
        Ok(())
    }
}

impl DatasetWriter for MdsWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        super::kept::refuse_for(super::Format::Mds, batch)?;
        for r in 0..batch.rows.len() {
            let (ids, labels) = batch.rows.row(r);
            if ids.is_empty() {
                return Err(Error::InvalidOption {
                    option: "format".into(),
                    message: format!(
                        "row {} is empty, and MDS cannot store an empty array",
                        self.rows + r as u64
                    ),
                });
            }
            let width = if ids.len() < 1 << 8 {
                2
            } else if ids.len() < 1 << 16 {
                3
            } else {
                5
            };
            let mut sample = Vec::with_capacity(8 + 2 * (width + 4 * ids.len()));
            sample.extend_from_slice(&((width + 4 * ids.len()) as u32).to_le_bytes());
            sample.extend_from_slice(&((width + 4 * labels.len()) as u32).to_le_bytes());
            push_array(&mut sample, ids);
            push_array(&mut sample, labels);
            let size = sample.len() + 4;
            if self.size_limit < self.shard_size + size {
                self.flush_shard()?;
            }
            self.shard_size += size;
            self.samples.push(sample);
        }
        self.rows += batch.rows.len() as u64;
        self.tokens += batch.rows.input_ids.len() as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<WriteSummary> {
        if !self.samples.is_empty() {
            self.flush_shard()?;
        }
        let index = format!(
            "{{\"shards\": [{}], \"version\": 2}}",
            self.shards.join(", ")
        );
        let path = self.pending.path().join("index.json");
        let mut file = File::create(&path).map_err(|e| io_error(&path, e))?;
        file.write_all(index.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, e))?;
        let this = *self;
        this.pending.commit()?;
        let size_limit = this.size_limit as u64;
        let mut files = this.files;
        files.push("index.json".into());
        let mut layout = serde_json::Map::new();
        layout.insert(
            "columns".into(),
            serde_json::json!({ "input_ids": "ndarray:int32", "labels": "ndarray:int32" }),
        );
        layout.insert("sizeLimit".into(), size_limit.into());
        Ok(WriteSummary {
            format: "mds".into(),
            rows: this.rows,
            tokens: this.tokens,
            files,
            layout,
        })
    }
}
