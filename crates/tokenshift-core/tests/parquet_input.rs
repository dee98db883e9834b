//! Parquet inputs of ../shared/data/parquet give the same records as the JSON files they were written from.

mod common;

use std::path::Path;

use serde_json::Value;
use tokenshift_core::read::parquet_rows::{ParquetRecords, ParquetRowStream, SLICE_BYTES};

/// Every row of a file through the row stream, as JSON values.
fn records(path: &Path) -> Vec<Value> {
    common::parquet_rows(
        ParquetRowStream::open(path, None, None, Default::default()).expect("opens"),
    )
}

#[test]
fn every_shared_parquet_file_reads_row_group_by_row_group() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("data").join("parquet");
    for name in [
        "alpaca_en_demo.snappy.parquet",
        "glaive_toolcall_en_demo.zstd.parquet",
        "dummy_conversation_messages.gzip.parquet",
        "question_answer.snappy.parquet",
    ] {
        let rows = records(&dir.join(name));
        let reader = ParquetRecords::open(&dir.join(name)).expect("opens");
        println!(
            "{name}: {} rows in {} row groups, columns {:?}; first {}",
            rows.len(),
            reader.row_group_rows().len(),
            reader.columns(),
            rows[0].to_string().chars().take(160).collect::<String>()
        );
        assert!(!rows.is_empty());
    }
    let alpaca: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(shared.join("data/llama-factory/alpaca_en_demo.json"))
            .expect("json"),
    )
    .expect("parses");
    let from_parquet = records(&dir.join("alpaca_en_demo.snappy.parquet"));
    assert_eq!(from_parquet.len(), alpaca.len());
    assert_eq!(from_parquet, alpaca);
}

#[test]
fn json_lines_hold_one_line_per_row_with_nulls_kept() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("data/parquet/question_answer.snappy.parquet");
    let reader = ParquetRecords::open(&path).expect("opens");
    let lines = records(&path);
    assert_eq!(
        lines.len() as u64,
        reader.row_group_rows().iter().sum::<u64>()
    );
    let nulls: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, r)| r.get("answer") == Some(&Value::Null))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        nulls,
        vec![8],
        "the shared README names row 8 (counting from 1)"
    );
}

#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("data/llama-factory/alpaca_en_demo.json");
    let error = ParquetRecords::open(&path).err().expect("not parquet");
    assert!(error.to_string().contains("alpaca_en_demo.json"), "{error}");
}

/// Uncompressed, written here with the parquet crate's own writer: strings and nulls come through as JSON.
#[test]
fn an_uncompressed_file_reads_with_its_nulls() {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    let dir = std::env::temp_dir().join(format!("tokenshift-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("plain.parquet");
    let schema = parse_message_type(
        "message m { required binary prompt (UTF8); optional binary completion (UTF8); }",
    )
    .expect("schema");
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_dictionary_enabled(false)
        .build();
    let file = std::fs::File::create(&path).expect("create");
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).expect("writer");
    let mut group = writer.next_row_group().expect("group");
    let prompts: Vec<ByteArray> = ["a", "b", "c"]
        .iter()
        .map(|s| ByteArray::from(*s))
        .collect();
    let mut column = group.next_column().expect("column").expect("prompt");
    column
        .typed::<ByteArrayType>()
        .write_batch(&prompts, None, None)
        .expect("write");
    column.close().expect("close");
    let completions = [ByteArray::from("x"), ByteArray::from("z")];
    let mut column = group.next_column().expect("column").expect("completion");
    column
        .typed::<ByteArrayType>()
        .write_batch(&completions, Some(&[1, 0, 1]), None)
        .expect("write");
    column.close().expect("close");
    group.close().expect("group");
    writer.close().expect("file");

    let rows = records(&path);
    assert_eq!(
        rows,
        vec![
            serde_json::json!({"prompt": "a", "completion": "x"}),
            serde_json::json!({"prompt": "b", "completion": null}),
            serde_json::json!({"prompt": "c", "completion": "z"}),
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A file cut short is an error naming it, never a panic.
#[test]
fn a_truncated_file_is_an_error() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let bytes =
        std::fs::read(shared.join("data/parquet/alpaca_en_demo.snappy.parquet")).expect("read");
    let dir = std::env::temp_dir().join(format!("tokenshift-parquet-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for keep in [bytes.len() / 2, bytes.len() - 9, 3] {
        let path = dir.join(format!("cut-{keep}.parquet"));
        std::fs::write(&path, &bytes[..keep]).expect("write");
        let error = ParquetRecords::open(&path)
            .err()
            .expect("a cut file does not open");
        assert!(error.to_string().contains("cut-"), "{error}");
    }
    // Damaged pages: the footer is intact, a row group's bytes are not.
    let mut damaged = bytes.clone();
    for b in damaged.iter_mut().skip(100).take(2000) {
        *b = 0x55;
    }
    let path = dir.join("damaged.parquet");
    std::fs::write(&path, &damaged).expect("write");
    ParquetRecords::open(&path).expect("the footer is intact");
    let mut stream = ParquetRowStream::open(&path, None, None, Default::default())
        .expect("the footer is intact");
    assert!(stream.next_json_lines().is_err());
    std::fs::remove_dir_all(&dir).ok();
}

/// The row stream crosses slices and row groups in order: its lines are the rows of every group, each
/// slice whole rows of about `SLICE_BYTES`.
#[test]
fn the_row_stream_gives_every_row_in_slices() {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    let dir =
        std::env::temp_dir().join(format!("tokenshift-parquet-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("big.parquet");
    let schema = parse_message_type("message m { required binary text (UTF8); }").expect("schema");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(&path).expect("create");
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).expect("writer");
    let mut expected = String::new();
    for group in 0..3 {
        let texts: Vec<String> = (0..6000)
            .map(|i| format!("group {group} row {i} {}", "x".repeat(i % 700)))
            .collect();
        for t in &texts {
            expected.push_str(&serde_json::json!({ "text": t }).to_string());
            expected.push('\n');
        }
        let values: Vec<ByteArray> = texts.iter().map(|t| ByteArray::from(t.as_str())).collect();
        let mut group_writer = writer.next_row_group().expect("group");
        let mut column = group_writer.next_column().expect("column").expect("text");
        column
            .typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .expect("write");
        column.close().expect("close");
        group_writer.close().expect("group");
    }
    writer.close().expect("file");

    let mut stream = ParquetRowStream::open(&path, None, None, Default::default()).expect("opens");
    let mut got = Vec::new();
    let mut slices = 0;
    loop {
        let slice = stream.next_json_lines().expect("reads");
        if slice.is_empty() {
            break;
        }
        assert!(slice.ends_with(b"\n") && slice.len() < SLICE_BYTES + 4096);
        got.extend(slice);
        slices += 1;
    }
    assert!(slices > 1, "{slices} slices");
    assert!(String::from_utf8(got).expect("utf-8") == expected);
    assert!(stream.next_json_lines().expect("after the end").is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes one row group of `columns` string columns; `values(column, row)` gives each cell (`None` = null).
fn write_string_columns(
    path: &Path,
    columns: &[(String, &str)],
    rows: usize,
    values: impl Fn(usize, usize) -> Option<Vec<u8>>,
) {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    let fields: String = columns
        .iter()
        .map(|(name, annotation)| format!("optional binary {name} {annotation};"))
        .collect();
    let schema = parse_message_type(&format!("message m {{ {fields} }}")).expect("schema");
    let file = std::fs::File::create(path).expect("create");
    let props = WriterProperties::builder().build();
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).expect("writer");
    let mut group = writer.next_row_group().expect("group");
    for c in 0..columns.len() {
        let cells: Vec<Option<Vec<u8>>> = (0..rows).map(|r| values(c, r)).collect();
        let present: Vec<ByteArray> = cells
            .iter()
            .flatten()
            .map(|v| ByteArray::from(v.clone()))
            .collect();
        let levels: Vec<i16> = cells.iter().map(|v| i16::from(v.is_some())).collect();
        let mut column = group.next_column().expect("column").expect("exists");
        column
            .typed::<ByteArrayType>()
            .write_batch(&present, Some(&levels), None)
            .expect("write");
        column.close().expect("close");
    }
    group.close().expect("group");
    writer.close().expect("file");
}

/// A wide file decodes only the columns records can use; a narrow one keeps every column.
#[test]
fn a_wide_file_decodes_only_the_needed_columns() {
    let dir = std::env::temp_dir().join(format!("tokenshift-parquet-wide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("wide.parquet");
    let mut columns: Vec<(String, &str)> =
        vec![("prompt".into(), "(UTF8)"), ("completion".into(), "(UTF8)")];
    columns.extend((0..200).map(|i| (format!("extra_{i}"), "(UTF8)")));
    write_string_columns(&path, &columns, 3, |c, r| {
        Some(format!("v{c}-{r}").into_bytes())
    });
    let needed = [
        "prompt".to_owned(),
        "completion".to_owned(),
        "text".to_owned(),
    ];
    let mut stream =
        ParquetRowStream::open(&path, Some(&needed), None, Default::default()).expect("opens");
    let lines = stream.next_json_lines().expect("rows");
    let rows: Vec<Value> = lines
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[1],
        serde_json::json!({"prompt": "v0-1", "completion": "v1-1"})
    );
    let all = records(&path);
    assert_eq!(all[1].as_object().map(|o| o.len()), Some(202));
    std::fs::remove_dir_all(&dir).ok();
}

/// Strings written as BYTE_ARRAY without the UTF8 annotation (Spark, Hive) are text, not base64; bytes
/// that are not UTF-8 are an error naming the column.
#[test]
fn binary_columns_are_their_text_or_an_error_naming_the_column() {
    let dir =
        std::env::temp_dir().join(format!("tokenshift-parquet-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("spark.parquet");
    let columns = [("prompt".to_owned(), ""), ("completion".to_owned(), "")];
    write_string_columns(&path, &columns, 2, |c, r| {
        Some(format!("{} {r} é", ["Hello", "world"][c]).into_bytes())
    });
    assert_eq!(
        records(&path)[1],
        serde_json::json!({"prompt": "Hello 1 é", "completion": "world 1 é"})
    );
    let bad = dir.join("bytes.parquet");
    write_string_columns(&bad, &columns, 2, |c, r| {
        Some(if c == 1 && r == 1 {
            vec![0xff, 0xfe]
        } else {
            b"ok".to_vec()
        })
    });
    let mut stream = ParquetRowStream::open(&bad, None, None, Default::default()).expect("opens");
    let mut error = None;
    for _ in 0..3 {
        match stream.next_json_lines() {
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
            Ok(slice) if slice.is_empty() => break,
            Ok(_) => {}
        }
    }
    let error = error.expect("an error");
    assert!(
        error.contains("row 2")
            && error.contains("column `completion`")
            && error.contains("not UTF-8"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
