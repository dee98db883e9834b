//! Training-ready files. Every format is fed the same row batches (prepared or packed rows, in
//! order), writes under a temporary name, and is renamed into place only when complete. What each
//! file holds and how a trainer reads it is described in `README.md` ("Output formats").

pub mod atomic;
pub mod jsonl;
pub mod kept;
mod learned;
pub mod litbin;
pub mod litdata;
pub mod mds;
pub mod megatron;
pub mod memmap;
pub mod npy;
mod parquet_chunks;
pub mod parquet_file;
pub mod sidecar;
mod temporaries;
pub mod token_width;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::collate::Side;
use crate::error::{Error, Result};
use crate::rows::RowBatch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jsonl,
    Parquet,
    Npy,
    /// lit-gpt / TinyLlama packed-dataset chunks (`LITPKDS`).
    Bin,
    /// Megatron indexed datasets (`.bin` + `.idx`).
    Megatron,
    /// litdata `TokensLoader` chunks (litgpt pretraining).
    Litdata,
    /// MosaicML streaming MDS shards (LLM Foundry).
    Mds,
    /// OLMo / dolma headerless token memmaps.
    Memmap,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Parquet => "parquet",
            Self::Npy => "npy",
            Self::Bin => "bin",
            Self::Megatron => "megatron",
            Self::Litdata => "litdata",
            Self::Mds => "mds",
            Self::Memmap => "memmap",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    #[default]
    Int32,
    Int64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WriterOptions {
    pub format: Format,
    #[serde(default = "default_ignore_index")]
    pub ignore_index: i32,
    /// npy: every row is padded to this length (required: `.npy` arrays are rectangular); memmap: the
    /// same when given (SFT), else rows are concatenated.
    #[serde(default)]
    pub length: Option<u32>,
    /// npy, memmap: padding id and side.
    #[serde(default)]
    pub pad_id: i32,
    #[serde(default)]
    pub side: Side,
    /// npy: element type of every column.
    #[serde(default)]
    pub dtype: Dtype,
    /// bin, megatron, memmap: the vocabulary size decides the token dtype by the reader's rule (see
    /// `token_width`).
    #[serde(default)]
    pub vocab_size: Option<u32>,
    /// bin, litdata: tokens per chunk file; TinyLlama uses `(block_size + 1) * 1024`.
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// bin: the id that fills the unused end of the last chunk (TinyLlama: BOS).
    #[serde(default)]
    pub sep_id: Option<i32>,
    /// bin: the labels' convention, to count rows whose masks the token stream loses (`maskedRows`):
    /// more ignored labels than the convention's own (none for `model`, the last one for `data`);
    /// megatron, memmap: to write the loss mask.
    #[serde(default)]
    pub shift: Option<crate::prepare::Shift>,
    /// megatron, litdata, memmap: the token type instead of the one the vocabulary size picks.
    #[serde(default)]
    pub token_dtype: Option<token_width::TokenWidth>,
    /// mds: bytes per shard file (MDSWriter's `size_limit`, default 1 << 26).
    #[serde(default)]
    pub size_limit: Option<u64>,
    /// bin: chunk files are `<prefix>_<10-digit counter>.bin`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// directory formats: may write into a non-empty directory that no tokenshift run wrote (see `atomic`).
    #[serde(default)]
    pub overwrite: bool,
}

fn default_ignore_index() -> i32 {
    -100
}

impl WriterOptions {
    pub fn from_json_str(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::InvalidOption {
            option: "writer options".into(),
            message: e.to_string(),
        })
    }
}

/// What was written, for the metadata sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteSummary {
    pub format: String,
    pub rows: u64,
    pub tokens: u64,
    /// Files relative to the output path (a directory for npy and bin).
    pub files: Vec<String>,
    /// Format details a reader needs (dtype, shape, chunk size, columns).
    pub layout: serde_json::Map<String, serde_json::Value>,
}

pub trait DatasetWriter: Send {
    fn write(&mut self, batch: &RowBatch) -> Result<()>;
    /// Completes every file and renames it into place.
    fn finish(self: Box<Self>) -> Result<WriteSummary>;
}

/// A writer for `options.format` at `path` (a file for jsonl and parquet, a directory for the others).
pub fn create_writer(path: &Path, options: WriterOptions) -> Result<Box<dyn DatasetWriter>> {
    Ok(match options.format {
        Format::Jsonl => Box::new(jsonl::JsonlWriter::create(path)?),
        Format::Parquet => Box::new(parquet_file::ParquetWriter::create(path)?),
        Format::Npy => Box::new(npy::NpyWriter::create(path, &options)?),
        Format::Bin => Box::new(litbin::LitBinWriter::create(path, &options)?),
        Format::Megatron => Box::new(megatron::MegatronWriter::create(path, &options)?),
        Format::Litdata => Box::new(litdata::LitdataWriter::create(path, &options)?),
        Format::Mds => Box::new(mds::MdsWriter::create(path, &options)?),
        Format::Memmap => Box::new(memmap::MemmapWriter::create(path, &options)?),
    })
}

pub(crate) fn io_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}
