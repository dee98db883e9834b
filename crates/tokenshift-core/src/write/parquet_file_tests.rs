//! Tests of `parquet_file.rs`: the side-by-side column encoding against the column-after-column writer.

use super::*;
use crate::rows::{PackedColumns, Rows};
use parquet::data_type::{ByteArrayType, Int32Type};

impl ParquetWriter {
    /// The row group written column after column through the file writer (the way before
    /// `parquet_chunks`): the reference the side-by-side encoding must match byte for byte.
    pub(super) fn flush_serially(&mut self) -> Result<()> {
        let path = self.pending.path().to_path_buf();
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let mut group = file.next_row_group().map_err(|e| io_error(&path, e))?;
        for column in &self.columns {
            let mut writer = group
                .next_column()
                .map_err(|e| io_error(&path, e))?
                .expect("a list column");
            let (def, rep) = column.levels();
            writer
                .typed::<Int32Type>()
                .write_batch(&column.values, Some(&def), Some(&rep))
                .map_err(|e| io_error(&path, e))?;
            writer.close().map_err(|e| io_error(&path, e))?;
        }
        for values in &self.kept.values {
            let mut writer = group
                .next_column()
                .map_err(|e| io_error(&path, e))?
                .expect("a kept column");
            let (present, def) = super::parquet_chunks::optional_strings(values);
            writer
                .typed::<ByteArrayType>()
                .write_batch(&present, Some(&def), None)
                .map_err(|e| io_error(&path, e))?;
            writer.close().map_err(|e| io_error(&path, e))?;
        }
        group.close().map_err(|e| io_error(&path, e))?;
        self.columns.iter_mut().for_each(ListColumn::clear);
        self.kept.clear();
        self.row_groups += 1;
        Ok(())
    }
}

/// Rows of varied lengths (empty ones too) over a Qwen-sized vocabulary, some labels masked.
struct Sample {
    input_ids: Vec<i32>,
    labels: Vec<i32>,
    offsets: Vec<u32>,
    position_ids: Vec<i32>,
    seq_lens: Vec<u32>,
    seq_offsets: Vec<u32>,
    kept: Vec<String>,
}

fn sample(rows: usize, seed: u64) -> Sample {
    let mut state = seed;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % bound
    };
    let mut s = Sample {
        input_ids: Vec::new(),
        labels: Vec::new(),
        offsets: vec![0],
        position_ids: Vec::new(),
        seq_lens: Vec::new(),
        seq_offsets: vec![0],
        kept: Vec::new(),
    };
    for r in 0..rows {
        let len = if r % 17 == 0 { 0 } else { next(3000) as usize };
        for i in 0..len {
            let id = next(151_000) as i32;
            s.input_ids.push(id);
            s.labels.push(if next(4) == 0 { -100 } else { id });
            s.position_ids.push(i as i32);
        }
        s.offsets.push(s.input_ids.len() as u32);
        if len > 0 {
            s.seq_lens
                .extend([len as u32 / 2, len as u32 - len as u32 / 2]);
        }
        s.seq_offsets.push(s.seq_lens.len() as u32);
        s.kept.push(match r % 3 {
            0 => format!(r#"{{"id":"r{r}","source":"wiki"}}"#),
            1 => format!(r#"{{"id":"r{r}"}}"#),
            _ => format!(
                r#"{{"id":"r{r}","source":"a \"quoted\" {}"}}"#,
                "x".repeat(r % 50)
            ),
        });
    }
    s
}

fn written(serial: bool, packed: bool, keep: bool, name: &str) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!(
        "tokenshift-parquet-chunks-{}-{name}-{serial}.parquet",
        std::process::id()
    ));
    let mut writer = Box::new(ParquetWriter::create(&path).expect("creates"));
    writer.serial = serial;
    for seed in 0..4 {
        let s = sample(900, seed);
        let batch = RowBatch {
            rows: Rows {
                input_ids: &s.input_ids,
                labels: &s.labels,
                offsets: &s.offsets,
            },
            packed: packed.then_some(PackedColumns {
                position_ids: &s.position_ids,
                seq_lens: &s.seq_lens,
                seq_offsets: &s.seq_offsets,
            }),
            kept: keep.then_some(&s.kept[..]),
        };
        writer.write(&batch).expect("writes");
    }
    let summary = writer.finish().expect("finishes");
    assert!(
        summary.layout["rowGroups"].as_u64() >= Some(2),
        "several row groups"
    );
    let bytes = std::fs::read(&path).expect("reads");
    std::fs::remove_file(&path).expect("removes");
    bytes
}

/// Speed work never changes output: the side-by-side column encoding writes the bytes the
/// column-after-column writer did, for prepared and packed rows, with and without kept columns.
#[test]
fn side_by_side_columns_write_the_serial_bytes() {
    for (packed, keep, name) in [
        (false, false, "rows"),
        (false, true, "kept"),
        (true, false, "packed"),
    ] {
        let serial = written(true, packed, keep, name);
        let side_by_side = written(false, packed, keep, name);
        assert!(serial.len() > 1 << 20, "{name}: a real file");
        assert!(serial == side_by_side, "{name}: the files differ");
    }
}

#[test]
fn list_levels_mark_row_starts_and_empty_lists() {
    let mut column = ListColumn::default();
    column.push_row([1, 2, 3].into_iter());
    column.push_row(std::iter::empty());
    column.push_row([4].into_iter());
    let (def, rep) = column.levels();
    assert_eq!(def, [1, 1, 1, 0, 1]);
    assert_eq!(rep, [0, 1, 1, 0, 0]);
}
