//! Parquet with one `LIST<INT32>` column per field (the standard three-level list layout that
//! pyarrow, Hugging Face `datasets` and DuckDB read as `list<int32>` / `Sequence(int32)`).
//! Columns: `input_ids`, `labels`, `attention_mask` for prepared rows; `input_ids`, `labels`,
//! `position_ids`, `seq_lens` for packed rows, then any kept input columns as optional strings (see
//! `kept.rs`). Snappy-compressed row groups of about 2M tokens, their columns encoded side by side
//! (`parquet_chunks.rs`).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::Type;

use super::atomic::PendingPath;
use super::jsonl::file_name;
use super::kept::KeptColumns;
use super::parquet_chunks::{self, ChunkValues};
use super::{io_error, DatasetWriter, WriteSummary};
use crate::error::Result;
use crate::rows::RowBatch;

const ROW_GROUP_TOKENS: usize = 2 << 20;

/// One list column buffered for the current row group.
#[derive(Default)]
struct ListColumn {
    values: Vec<i32>,
    /// Entries per row.
    lengths: Vec<u32>,
}

impl ListColumn {
    fn push_row(&mut self, values: impl Iterator<Item = i32>) {
        let before = self.values.len();
        self.values.extend(values);
        self.lengths.push((self.values.len() - before) as u32);
    }

    /// Definition and repetition levels of a required list of required values: an empty list is
    /// one entry at definition level 0; each value is level 1, the first of a row repetition 0.
    fn levels(&self) -> (Vec<i16>, Vec<i16>) {
        let entries = self.values.len() + self.lengths.iter().filter(|&&n| n == 0).count();
        let (mut def, mut rep) = (Vec::with_capacity(entries), Vec::with_capacity(entries));
        for &n in &self.lengths {
            if n == 0 {
                def.push(0);
                rep.push(0);
            } else {
                def.extend(std::iter::repeat_n(1, n as usize));
                rep.push(0);
                rep.extend(std::iter::repeat_n(1, n as usize - 1));
            }
        }
        (def, rep)
    }

    /// Whether every row has as many entries as in `other` (then both have the same levels).
    fn same_lengths(&self, other: &ListColumn) -> bool {
        self.lengths == other.lengths
    }

    fn clear(&mut self) {
        self.values.clear();
        self.lengths.clear();
    }
}

pub struct ParquetWriter {
    pending: PendingPath,
    file: Option<SerializedFileWriter<File>>,
    properties: WriterPropertiesPtr,
    /// Set by the first batch: packed rows carry different columns.
    names: Vec<&'static str>,
    columns: Vec<ListColumn>,
    kept: KeptColumns,
    rows: u64,
    tokens: u64,
    row_groups: u64,
    /// Tests only: write each row group's columns one after another, the parquet crate's own way.
    #[cfg(test)]
    serial: bool,
}

impl ParquetWriter {
    pub fn create(path: &Path) -> Result<Self> {
        Ok(Self {
            pending: PendingPath::file(path)?,
            file: None,
            properties: Arc::new(WriterProperties::default()),
            names: Vec::new(),
            columns: Vec::new(),
            kept: KeptColumns::default(),
            rows: 0,
            tokens: 0,
            row_groups: 0,
            #[cfg(test)]
            serial: false,
        })
    }

    fn open(&mut self, packed: bool, kept: Vec<String>) -> Result<()> {
        self.names = if packed {
            vec!["input_ids", "labels", "position_ids", "seq_lens"]
        } else {
            vec!["input_ids", "labels", "attention_mask"]
        };
        let fields: String = self
            .names
            .iter()
            .map(|name| {
                format!("required group {name} (LIST) {{ repeated group list {{ required int32 element; }} }}\n")
            })
            .collect();
        let lists = parse_message_type(&format!("message tokenshift {{\n{fields}}}"))
            .map_err(|e| io_error(self.pending.path(), e))?;
        let schema =
            with_kept_fields(&lists, &kept).map_err(|e| io_error(self.pending.path(), e))?;
        self.properties = Arc::new(properties());
        let file =
            File::create(self.pending.path()).map_err(|e| io_error(self.pending.path(), e))?;
        self.file = Some(
            SerializedFileWriter::new(file, Arc::new(schema), self.properties.clone())
                .map_err(|e| io_error(self.pending.path(), e))?,
        );
        self.columns = self.names.iter().map(|_| ListColumn::default()).collect();
        self.kept = KeptColumns::with_names(kept);
        Ok(())
    }

    fn flush_row_group(&mut self) -> Result<()> {
        let path = self.pending.path().to_path_buf();
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if self.columns.first().is_none_or(|c| c.lengths.is_empty()) {
            return Ok(());
        }
        #[cfg(test)]
        if self.serial {
            return self.flush_serially();
        }
        // Rows of equal lengths in every list column (all but a packed file's `seq_lens`): levels made once.
        let first = &self.columns[0];
        let first_levels = first.levels();
        let other_levels: Vec<Option<(Vec<i16>, Vec<i16>)>> = self
            .columns
            .iter()
            .map(|c| (!c.same_lengths(first)).then(|| c.levels()))
            .collect();
        let mut values: Vec<ChunkValues<'_>> = self
            .columns
            .iter()
            .zip(&other_levels)
            .map(|(column, own)| {
                let (def, rep) = own.as_ref().unwrap_or(&first_levels);
                ChunkValues::Ints {
                    values: &column.values,
                    def,
                    rep,
                }
            })
            .collect();
        values.extend(
            self.kept
                .values
                .iter()
                .map(|rows| ChunkValues::Strings(rows)),
        );
        let descriptors = file.schema_descr().columns().to_vec();
        let chunks = parquet_chunks::encode_all(&descriptors, &self.properties, &values)
            .map_err(|e| io_error(&path, e))?;
        let mut group = file.next_row_group().map_err(|e| io_error(&path, e))?;
        parquet_chunks::append_all(&mut group, chunks).map_err(|e| io_error(&path, e))?;
        group.close().map_err(|e| io_error(&path, e))?;
        self.columns.iter_mut().for_each(ListColumn::clear);
        self.kept.clear();
        self.row_groups += 1;
        Ok(())
    }
}

impl DatasetWriter for ParquetWriter {
    fn write(&mut self, batch: &RowBatch) -> Result<()> {
        batch.validate()?;
        if self.file.is_none() {
            let kept = match batch.kept.and_then(|k| k.first()) {
                Some(first) => KeptColumns::names_of(first)?,
                None => Vec::new(),
            };
            self.open(batch.packed.is_some(), kept)?;
        } else if (self.names.len() == 4) != batch.packed.is_some() {
            return Err(io_error(
                self.pending.path(),
                "packed and unpacked rows cannot share one file",
            ));
        }
        for r in 0..batch.rows.len() {
            let (ids, labels) = batch.rows.row(r);
            self.columns[0].push_row(ids.iter().copied());
            self.columns[1].push_row(labels.iter().copied());
            match batch.packed_row(r) {
                Some((positions, lens)) => {
                    self.columns[2].push_row(positions.iter().copied());
                    self.columns[3].push_row(lens.iter().map(|&n| n as i32));
                }
                None => self.columns[2].push_row(ids.iter().map(|_| 1)),
            }
            if let Some(text) = batch.kept.and_then(|k| k.get(r)) {
                self.kept.push_row(text)?;
            } else if !self.kept.names.is_empty() {
                self.kept.push_row("{}")?;
            }
        }
        self.rows += batch.rows.len() as u64;
        self.tokens += batch.rows.input_ids.len() as u64;
        if self.columns[0].values.len() >= ROW_GROUP_TOKENS {
            self.flush_row_group()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<WriteSummary> {
        if self.file.is_none() {
            self.open(false, Vec::new())?;
        }
        self.flush_row_group()?;
        let path = self.pending.path().to_path_buf();
        if let Some(file) = self.file.take() {
            let inner = file.into_inner().map_err(|e| io_error(&path, e))?;
            inner.sync_all().map_err(|e| io_error(&path, e))?;
        }
        let mut layout = serde_json::Map::new();
        let mut columns: Vec<String> = self.names.iter().map(|n| (*n).to_owned()).collect();
        columns.extend(self.kept.names.iter().cloned());
        layout.insert("columns".into(), columns.into());
        layout.insert("rowGroups".into(), self.row_groups.into());
        let this = *self;
        let name = file_name(this.pending.target());
        this.pending.commit()?;
        Ok(WriteSummary {
            format: "parquet".into(),
            rows: this.rows,
            tokens: this.tokens,
            files: vec![name],
            layout,
        })
    }
}

fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("tokenshift {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The list columns plus one optional UTF-8 column per kept name (built, not parsed: any name is valid).
fn with_kept_fields(lists: &Type, kept: &[String]) -> parquet::errors::Result<Type> {
    let mut fields = lists.get_fields().to_vec();
    for name in kept {
        let field = Type::primitive_type_builder(name, PhysicalType::BYTE_ARRAY)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(Some(LogicalType::String))
            .build()?;
        fields.push(Arc::new(field));
    }
    Type::group_type_builder(lists.name())
        .with_fields(fields)
        .build()
}

#[cfg(test)]
#[path = "parquet_file_tests.rs"]
mod tests;
