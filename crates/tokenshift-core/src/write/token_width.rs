//! How many bytes each token takes in formats that store raw token arrays, chosen from the vocabulary
//! size by the rule of the trainer that reads the format. An id that does not fit is an error naming the
//! row, never a wrap.

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenWidth {
    Uint16,
    Int32,
    Uint32,
}

impl TokenWidth {
    /// Megatron's `DType.optimal_dtype` (and lit-gpt's): uint16 below 65,500, else int32.
    pub fn megatron(vocab_size: u32) -> Self {
        if vocab_size < 65_500 {
            Self::Uint16
        } else {
            Self::Int32
        }
    }

    /// OLMo / dolma memmaps: uint16 while every id fits it, else uint32.
    pub fn memmap(vocab_size: u32) -> Self {
        if vocab_size <= 1 << 16 {
            Self::Uint16
        } else {
            Self::Uint32
        }
    }

    /// The `tokenDtype` the user asked for, if the format's reader takes it, else the format's rule.
    pub fn chosen(
        rule: Self,
        requested: Option<Self>,
        format: &str,
        allowed: &[Self],
    ) -> Result<Self> {
        match requested {
            None => Ok(rule),
            Some(width) if allowed.contains(&width) => Ok(width),
            Some(width) => Err(Error::InvalidOption {
                option: "tokenDtype".into(),
                message: format!(
                    "{format} does not store {} tokens (it takes {})",
                    width.name(),
                    allowed
                        .iter()
                        .map(|w| w.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            }),
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            Self::Uint16 => 2,
            Self::Int32 | Self::Uint32 => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Uint16 => "uint16",
            Self::Int32 => "int32",
            Self::Uint32 => "uint32",
        }
    }

    fn fits(self, id: i32) -> bool {
        match self {
            Self::Uint16 => (0..=i32::from(u16::MAX)).contains(&id),
            Self::Int32 | Self::Uint32 => id >= 0,
        }
    }

    /// Appends `ids` little-endian; `row` (0-based, over the whole output) names the row in the error.
    pub fn extend(self, out: &mut Vec<u8>, ids: &[i32], row: u64, option: &str) -> Result<()> {
        if let Some(&id) = ids.iter().find(|&&id| !self.fits(id)) {
            return Err(Error::InvalidOption {
                option: option.into(),
                message: format!(
                    "token id {id} in row {row} does not fit {}; pass the tokenizer's vocabulary size",
                    self.name()
                ),
            });
        }
        out.reserve(ids.len() * self.bytes());
        match self {
            // Checked above to fit.
            Self::Uint16 => ids
                .iter()
                .for_each(|&id| out.extend_from_slice(&(id as u16).to_le_bytes())),
            Self::Int32 => ids
                .iter()
                .for_each(|&id| out.extend_from_slice(&id.to_le_bytes())),
            Self::Uint32 => ids
                .iter()
                .for_each(|&id| out.extend_from_slice(&(id as u32).to_le_bytes())),
        }
        Ok(())
    }
}
