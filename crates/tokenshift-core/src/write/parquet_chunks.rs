//! The column chunks of one Parquet row group, encoded side by side: each column into a buffer of its
//! own on a thread of its own, then spliced into the file in schema order. A column's encoder sees only
//! that column's values, and the splice only moves its page offsets to where the chunk lands, so the
//! file's bytes are those of writing the columns one after another. Encoding three 2M-token columns in
//! turn (dictionary, levels, Snappy) held up a Parquet run: the tokenizer waited for the write.

use bytes::Bytes;
use parquet::column::writer::{get_column_writer, ColumnCloseResult};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int32Type};
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterPropertiesPtr;
use parquet::file::writer::{SerializedPageWriter, SerializedRowGroupWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// One column's values for a row group.
#[derive(Clone, Copy)]
pub(super) enum ChunkValues<'a> {
    /// A required `LIST<INT32>`, with its definition and repetition levels.
    Ints {
        values: &'a [i32],
        def: &'a [i16],
        rep: &'a [i16],
    },
    /// An optional string per row.
    Strings(&'a [Option<String>]),
}

/// An encoded column chunk whose page offsets count from the start of `bytes`.
pub(super) struct EncodedChunk {
    bytes: Bytes,
    close: ColumnCloseResult,
}

/// Encodes `columns` (in schema order, described by `descriptors`).
pub(super) fn encode_all(
    descriptors: &[ColumnDescPtr],
    properties: &WriterPropertiesPtr,
    columns: &[ChunkValues<'_>],
) -> Result<Vec<EncodedChunk>> {
    // Threads of their own, not the prepare pool: there a chunk would queue behind the records being
    // tokenized, while the tokenizer, waiting for this write, ran out of records to tokenize.
    std::thread::scope(|scope| {
        let running: Vec<_> = descriptors
            .iter()
            .zip(columns)
            .map(|(descriptor, &values)| {
                let spawned = std::thread::Builder::new()
                    .name("tokenshift-parquet".into())
                    .spawn_scoped(scope, move || encode(descriptor, properties, values));
                (spawned.ok(), descriptor, values)
            })
            .collect();
        running
            .into_iter()
            .map(|(thread, descriptor, values)| match thread {
                Some(thread) => thread.join().unwrap_or_else(|_| {
                    Err(ParquetError::General(format!(
                        "the encoder of column {} failed",
                        descriptor.path()
                    )))
                }),
                // No thread to be had (a process at its limit): the column is encoded here instead.
                None => encode(descriptor, properties, values),
            })
            .collect()
    })
}

/// Appends the encoded chunks to `group`, in order.
pub(super) fn append_all<W: std::io::Write + Send>(
    group: &mut SerializedRowGroupWriter<'_, W>,
    chunks: Vec<EncodedChunk>,
) -> Result<()> {
    for chunk in chunks {
        group.append_column(&chunk.bytes, chunk.close)?;
    }
    Ok(())
}

fn encode(
    descriptor: &ColumnDescPtr,
    properties: &WriterPropertiesPtr,
    values: ChunkValues<'_>,
) -> Result<EncodedChunk> {
    match values {
        ChunkValues::Ints { values, def, rep } => {
            encode_typed::<Int32Type>(descriptor, properties, values, def, Some(rep))
        }
        ChunkValues::Strings(rows) => {
            let (present, def) = optional_strings(rows);
            encode_typed::<ByteArrayType>(descriptor, properties, &present, &def, None)
        }
    }
}

/// An optional string column's present values, and its definition level per row.
pub(super) fn optional_strings(rows: &[Option<String>]) -> (Vec<ByteArray>, Vec<i16>) {
    let present = rows
        .iter()
        .flatten()
        .map(|s| ByteArray::from(s.as_str()))
        .collect();
    (
        present,
        rows.iter().map(|v| i16::from(v.is_some())).collect(),
    )
}

fn encode_typed<T: DataType>(
    descriptor: &ColumnDescPtr,
    properties: &WriterPropertiesPtr,
    values: &[T::T],
    def: &[i16],
    rep: Option<&[i16]>,
) -> Result<EncodedChunk> {
    let mut sink = TrackedWrite::new(Vec::new());
    let close = {
        let pages = Box::new(SerializedPageWriter::new(&mut sink));
        let column = get_column_writer(descriptor.clone(), properties.clone(), pages);
        let mut writer = T::get_column_writer(column).ok_or_else(|| {
            ParquetError::General(format!(
                "column {} is not of the type its values are",
                descriptor.path()
            ))
        })?;
        writer.write_batch(values, Some(def), rep)?;
        writer.close()?
    };
    Ok(EncodedChunk {
        bytes: Bytes::from(sink.into_inner()?),
        close,
    })
}
