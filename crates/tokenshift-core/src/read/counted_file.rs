//! A Parquet file that tallies what its decoder takes from it: bytes handed over and their SHA-256, in the
//! order read. A shard that reads some row groups of a file reports from this how much of the file it read
//! (the proof that N machines read the input about once between them) and a hash of what it read (its
//! completion record names what it was made from).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::reader::{ChunkReader, Length};
use sha2::{Digest, Sha256};

/// What a decoder has read so far; shared between the file and the readers it hands out.
#[derive(Default)]
pub struct ReadTally {
    bytes: AtomicU64,
    hash: Mutex<Sha256>,
}

impl ReadTally {
    fn add(&self, data: &[u8]) {
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Ok(mut hash) = self.hash.lock() {
            hash.update(data);
        }
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Hex SHA-256 of every byte read so far, in the order read.
    pub fn sha256(&self) -> String {
        let digest = match self.hash.lock() {
            Ok(hash) => hash.clone().finalize(),
            Err(_) => Sha256::new().finalize(),
        };
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

pub struct CountedFile {
    file: File,
    len: u64,
    tally: Arc<ReadTally>,
}

impl CountedFile {
    pub fn new(file: File, tally: Arc<ReadTally>) -> std::io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self { file, len, tally })
    }
}

impl Length for CountedFile {
    fn len(&self) -> u64 {
        self.len
    }
}

/// Counts bytes as the decoder takes them (page headers are parsed a few bytes at a time, so counting
/// below a read buffer would count its read-ahead, which the next page's `get_bytes` reads again).
pub struct CountedRead {
    inner: std::io::BufReader<File>,
    tally: Arc<ReadTally>,
}

impl Read for CountedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tally.add(&buf[..n]);
        Ok(n)
    }
}

impl ChunkReader for CountedFile {
    type T = CountedRead;

    fn get_read(&self, start: u64) -> ParquetResult<Self::T> {
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(start))?;
        Ok(CountedRead {
            inner: std::io::BufReader::new(file),
            tally: self.tally.clone(),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> ParquetResult<Bytes> {
        let mut buffer = Vec::with_capacity(length);
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(start))?;
        let read = file.take(length as u64).read_to_end(&mut buffer)?;
        if read != length {
            return Err(ParquetError::EOF(format!(
                "expected to read {length} bytes at {start}, read only {read}"
            )));
        }
        self.tally.add(&buffer);
        Ok(buffer.into())
    }
}
