//! What goes wrong reading a Parquet flow log's columns: every error names the damage.

use parquet::basic::Encoding;

use crate::format::decode::ReadError;

/// Why a page could not be decoded: the file is damaged.
#[derive(Debug, thiserror::Error)]
pub(super) enum PageError {
    #[error("a page ends before its values")]
    Truncated,
    #[error("a bit width of {0} (at most 32)")]
    BitWidth(u8),
    #[error("a page in {0:?}, which its column chunk does not list")]
    Encoding(Encoding),
    #[error("dictionary index {index} in a dictionary of {len} values")]
    Index { index: u32, len: usize },
    #[error("a dictionary-encoded page without a dictionary page before it")]
    NoDictionary,
    #[error("a dictionary page that is not its column chunk's first")]
    LateDictionary,
    #[error("a definition level of {0} in a flat column")]
    Level(u32),
    #[error("a page of {0} bytes (at most 4 GiB)")]
    TooLong(usize),
    #[error("the column ends before its row group's rows")]
    EndedEarly,
    #[error("more rows than its row group's")]
    TooManyRows,
    /// The crate's error finding or decompressing a page (boxed: the row's result stays small).
    #[error("{0}")]
    Crate(Box<parquet::errors::ParquetError>),
}

impl From<parquet::errors::ParquetError> for PageError {
    fn from(err: parquet::errors::ParquetError) -> Self {
        Self::Crate(Box::new(err))
    }
}

/// The crate's error reading the file, as the object's read error.
pub(super) fn damaged(err: parquet::errors::ParquetError) -> ReadError {
    ReadError::Format(format!("Parquet: {err}"))
}

/// An error reading column `name`, as the object's read error.
#[cold]
pub(super) fn page_error(name: &str, err: impl std::fmt::Display) -> ReadError {
    ReadError::Format(format!("Parquet: column `{name}`: {err}"))
}
