//! One column of a row group, read a row at a time into the row's line (bytes as they are: the
//! line's UTF-8 is checked once, by the row's reader): decoded from its pages by us when we know
//! its encodings (`page_column`), else by the Parquet crate's column reader (`crate_column`).

use parquet::file::reader::RowGroupReader;
use parquet::schema::types::ColumnDescPtr;

use super::cell::Cell;
use super::checked_pages::CheckedPages;
use super::crate_column::CrateColumn;
use super::errors::{damaged, page_error};
use super::page_column::PageColumn;
use crate::format::decode::ReadError;

/// Which decoder reads a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decoder {
    /// Ours where the column's type and encodings allow, the crate's otherwise.
    Pages,
    /// Always the crate's (for tests that compare the two).
    #[cfg_attr(not(test), allow(dead_code))]
    Crate,
}

/// A column being read.
#[expect(
    clippy::large_enum_variant,
    reason = "one per column of a row group, read in place: a box would only add an indirection per value"
)]
pub(super) enum Column {
    Pages(PageColumn, String),
    Crate(CrateColumn),
}

impl Column {
    /// Column `at` of `group`, described by `descr`.
    pub(super) fn new(
        group: &dyn RowGroupReader,
        at: usize,
        descr: &ColumnDescPtr,
        decoder: Decoder,
    ) -> Result<Self, ReadError> {
        let chunk = group.metadata().column(at);
        // The crate asserts these are not negative when it finds the chunk's pages.
        let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset());
        if start < 0 || chunk.compressed_size() < 0 {
            return Err(page_error(descr.name(), "a column chunk at a negative offset or of a negative size"));
        }
        if decoder == Decoder::Pages && PageColumn::supports(descr, chunk) {
            let pages = group.get_column_page_reader(at).map_err(damaged)?;
            if let Some(column) = PageColumn::new(pages, descr) {
                return Ok(Self::Pages(column, descr.name().to_owned()));
            }
        }
        let pages = CheckedPages::new(group.get_column_page_reader(at).map_err(damaged)?, descr);
        let reader = parquet::column::reader::get_column_reader(descr.clone(), Box::new(pages));
        Ok(Self::Crate(CrateColumn::new(reader, descr)?))
    }

    /// Writes the next row's value to `line` as text (`-` for null) and returns it. Inlined
    /// into the row loop: a call per value cost more than our decoding of it.
    #[inline(always)]
    pub(super) fn next_into(&mut self, line: &mut Vec<u8>) -> Result<Cell, ReadError> {
        match self {
            Self::Pages(column, name) => column.next_into(line).map_err(|err| page_error(name, err)),
            Self::Crate(column) => column.next_into(line),
        }
    }

    /// Fails when the column holds rows past the row group's (read after its last row).
    pub(super) fn finish(&mut self) -> Result<(), ReadError> {
        match self {
            Self::Pages(column, name) => column.finish().map_err(|err| page_error(name, err)),
            Self::Crate(column) => column.finish(),
        }
    }
}
