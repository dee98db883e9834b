use thiserror::Error;

pub type Result<T> = std::result::Result<T, Error>;

/// Every failure that input can cause. Messages name the file, field or record involved,
/// because they end up verbatim in a JS `Error`.
#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },

    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },

    #[error("{source_name} is not valid JSON: {message}")]
    Json {
        source_name: String,
        message: String,
    },

    #[error("{source_name} is not a usable tokenizer: {message}")]
    TokenizerLoad {
        source_name: String,
        message: String,
    },

    #[error("{source_name}: field `{field}` {message}")]
    Config {
        source_name: String,
        field: String,
        message: String,
    },

    #[error("encoding failed: {0}")]
    Encode(String),

    #[error("decoding failed: {0}")]
    Decode(String),

    #[error("invalid option `{option}`: {message}")]
    InvalidOption { option: String, message: String },

    /// A record that cannot be read; `record` counts from 1 (the line number in JSON lines).
    #[error("record {record}: field `{field}` {message}")]
    Record {
        record: u32,
        field: String,
        message: String,
    },

    /// The caller cancelled the work (an `AbortSignal`); checked between records.
    #[error("cancelled")]
    Cancelled,

    #[error("not enough memory for {what} ({bytes} bytes)")]
    OutOfMemory { what: String, bytes: usize },

    #[error("batch too large: {0} tokens do not fit 32-bit offsets; split the input into smaller batches")]
    BatchTooLarge(usize),
}

impl Error {
    /// Stable, machine-readable kind of the error. The binding sends it across N-API with the message,
    /// and the TS facade picks the error class by it (`src/backend/native-errors.ts`), never by wording.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "IO",
            Self::Write { .. } => "WRITE",
            Self::Json { .. } => "JSON",
            Self::TokenizerLoad { .. } | Self::Config { .. } => "TOKENIZER_LOAD",
            Self::Encode(_) | Self::Decode(_) => "TOKENIZE",
            Self::InvalidOption { .. } => "OPTION",
            Self::Record { .. } => "RECORD",
            Self::Cancelled => "CANCELLED",
            Self::OutOfMemory { .. } => "OUT_OF_MEMORY",
            Self::BatchTooLarge(_) => "BATCH_TOO_LARGE",
        }
    }
}

/// A bad record: its number, the field at fault and what is wrong with it.
pub fn record_error(record: u32, field: &str, message: &str) -> Error {
    Error::Record {
        record,
        field: field.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn every_kind_has_a_stable_code() {
        let record = Error::Record {
            record: 3,
            field: "completion".into(),
            message: "must be a string".into(),
        };
        assert_eq!(record.code(), "RECORD");
        assert_eq!(
            record.to_string(),
            "record 3: field `completion` must be a string"
        );
        assert_eq!(Error::Cancelled.code(), "CANCELLED");
        assert_eq!(Error::Encode("x".into()).code(), "TOKENIZE");
        assert_eq!(
            Error::InvalidOption {
                option: "threads".into(),
                message: "bad".into()
            }
            .code(),
            "OPTION"
        );
    }
}
