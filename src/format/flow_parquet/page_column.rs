//! A flat INT32, INT64 or BYTE_ARRAY column read from its pages directly: the Parquet crate
//! finds and decompresses each page, we decode its definition levels and values (PLAIN, or
//! dictionary indices) 1024 rows at a time into small reused buffers. A dictionary value is
//! copied from the dictionary page into the row's line where the crate's column reader clones
//! and drops a reference-counted `ByteArray` per row: a quarter of a Parquet flow log's CPU.
//! Columns in any other encoding are read by the crate (`crate_column`).

use bytes::Bytes;
use parquet::basic::{ConvertedType, Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::schema::types::ColumnDescriptor;

use super::cell::Cell;
use super::errors::PageError;
use super::hybrid::Hybrid;

/// The values a column holds, as the row's line writes them.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// INT32, read as unsigned when its converted type says so.
    Int32 { unsigned: bool },
    /// Signed INT64 (unsigned ones are read by the crate).
    Int64,
    /// BYTE_ARRAY, copied as they are.
    Bytes,
}

/// Rows decoded at a time: memory stays small whatever a page claims.
const CHUNK_ROWS: usize = 1024;

/// Where the current page's values are.
#[derive(Debug)]
enum Values {
    /// Dictionary indices.
    Dictionary(Hybrid),
    /// PLAIN values in the page, the next one at this offset.
    Plain(usize),
}

/// A dictionary page: its bytes and each value's span in them, or its integers.
struct Dictionary {
    page: Bytes,
    spans: Vec<(u32, u32)>,
    ints: Vec<i64>,
}

/// A column chunk read page by page, a chunk of rows at a time.
pub(super) struct PageColumn {
    pages: Box<dyn PageReader>,
    kind: Kind,
    /// Definition levels when the column is optional (0 null, 1 present).
    optional: bool,
    dictionary: Option<Dictionary>,
    /// The current data page: its bytes, levels, values, and rows not yet decoded.
    page: Bytes,
    page_levels: Hybrid,
    page_values: Values,
    page_rows: usize,
    /// The decoded chunk: each row's level (optional columns), each present row's value (an
    /// integer, or a span of the dictionary page or of the page), and where the next row is.
    levels: Vec<u32>,
    indices: Vec<u32>,
    ints: Vec<i64>,
    spans: Vec<(u32, u32)>,
    from_dictionary: bool,
    rows: usize,
    row: usize,
    value: usize,
}

impl PageColumn {
    /// Whether we decode this column chunk: its kind and every encoding it lists.
    pub(super) fn supports(descr: &ColumnDescriptor, chunk: &ColumnChunkMetaData) -> bool {
        let decodable = |encoding| {
            matches!(encoding, Encoding::PLAIN | Encoding::RLE | Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY)
        };
        kind(descr).is_some()
            && descr.max_rep_level() == 0
            && descr.max_def_level() <= 1
            && chunk.encodings().all(decodable)
    }

    /// Reads `pages`, a column that [`PageColumn::supports`].
    pub(super) fn new(pages: Box<dyn PageReader>, descr: &ColumnDescriptor) -> Option<Self> {
        Some(Self {
            pages,
            kind: kind(descr)?,
            optional: descr.max_def_level() == 1,
            dictionary: None,
            page: Bytes::new(),
            page_levels: Hybrid::default(),
            page_values: Values::Plain(0),
            page_rows: 0,
            levels: Vec::new(),
            indices: Vec::new(),
            ints: Vec::new(),
            spans: Vec::new(),
            from_dictionary: false,
            rows: 0,
            row: 0,
            value: 0,
        })
    }

    /// Writes the next row's value to `line` as text (`-` for null) and returns it.
    #[inline(always)]
    pub(super) fn next_into(&mut self, line: &mut Vec<u8>) -> Result<Cell, PageError> {
        if self.row == self.rows {
            self.next_chunk()?;
        }
        let present = !self.optional || self.levels.get(self.row) == Some(&1);
        self.row += 1;
        if !present {
            line.push(b'-');
            return Ok(Cell::Absent);
        }
        let at = self.value;
        self.value += 1;
        // The chunk holds a value for each present row (`next_chunk` counted them), and each
        // span lies within its page.
        if let Kind::Bytes = self.kind {
            let source = match (&self.dictionary, self.from_dictionary) {
                (Some(dictionary), true) => &dictionary.page,
                _ => &self.page,
            };
            let (start, end) = self.spans.get(at).copied().unwrap_or_default();
            let from = line.len();
            line.extend_from_slice(source.get(start as usize..end as usize).unwrap_or_default());
            return Ok(Cell::Text(from, line.len()));
        }
        let n = self.ints.get(at).copied().unwrap_or_default();
        line.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        Ok(Cell::Number(n))
    }

    /// Decodes the next rows of the page (the next page when it has none left): their levels,
    /// and the values of those present.
    #[inline(never)]
    fn next_chunk(&mut self) -> Result<(), PageError> {
        while self.page_rows == 0 {
            self.next_page()?;
        }
        let rows = self.page_rows.min(CHUNK_ROWS);
        self.page_rows -= rows;
        (self.rows, self.row, self.value) = (rows, 0, 0);
        self.levels.clear();
        let mut present = rows;
        if self.optional {
            self.page_levels.fill(&self.page, rows, &mut self.levels)?;
            present = 0;
            for &level in &self.levels {
                match level {
                    0 => {}
                    1 => present += 1,
                    other => return Err(PageError::Level(other)),
                }
            }
        }
        self.ints.clear();
        self.spans.clear();
        match &mut self.page_values {
            Values::Plain(at) => {
                self.from_dictionary = false;
                for _ in 0..present {
                    match plain_value(&self.page, at, self.kind)? {
                        Value::Span(span) => self.spans.push(span),
                        Value::Int(n) => self.ints.push(n),
                    }
                }
            }
            Values::Dictionary(indices) => {
                self.from_dictionary = true;
                let dictionary = self.dictionary.as_ref().ok_or(PageError::NoDictionary)?;
                self.indices.clear();
                indices.fill(&self.page, present, &mut self.indices)?;
                let len = match self.kind {
                    Kind::Bytes => dictionary.spans.len(),
                    _ => dictionary.ints.len(),
                };
                if let Some(&index) = self.indices.iter().find(|&&index| index as usize >= len) {
                    return Err(PageError::Index { index, len });
                }
                // Every index is within the dictionary (checked just above).
                let indices = self.indices.iter().map(|&index| index as usize);
                match self.kind {
                    Kind::Bytes => {
                        self.spans.extend(indices.map(|at| dictionary.spans.get(at).copied().unwrap_or_default()))
                    }
                    _ => self.ints.extend(indices.map(|at| dictionary.ints.get(at).copied().unwrap_or_default())),
                }
            }
        }
        Ok(())
    }

    /// Fails when the chunk holds rows past the row group's (read after its last row).
    pub(super) fn finish(&mut self) -> Result<(), PageError> {
        if self.row < self.rows || self.page_rows > 0 {
            return Err(PageError::TooManyRows);
        }
        while let Some(page) = self.pages.get_next_page()? {
            if page.num_values() > 0 && page.is_data_page() {
                return Err(PageError::TooManyRows);
            }
        }
        Ok(())
    }

    /// Reads the next page: a dictionary is kept; a data page's levels and values are found.
    #[inline(never)]
    fn next_page(&mut self) -> Result<(), PageError> {
        let page = self.pages.get_next_page()?.ok_or(PageError::EndedEarly)?;
        // Where the definition levels are (the values follow them).
        let (page, rows, encoding, levels) = match page {
            Page::DictionaryPage { buf, num_values, encoding, .. } => {
                return self.dictionary_page(buf, num_values, encoding);
            }
            // Version 1: the levels (RLE) behind their 4-byte length.
            Page::DataPage { buf, num_values, encoding, def_level_encoding, .. } => {
                let levels = match self.optional {
                    true if def_level_encoding != Encoding::RLE => return Err(PageError::Encoding(def_level_encoding)),
                    true => v1_levels(&buf).ok_or(PageError::Truncated)?,
                    false => 0..0,
                };
                (buf, num_values, encoding, levels)
            }
            // Version 2: repetition levels (none in a flat column), then definition levels.
            Page::DataPageV2 { buf, num_values, encoding, def_levels_byte_len, rep_levels_byte_len, .. } => {
                let start = rep_levels_byte_len as usize;
                (buf, num_values, encoding, start..start + def_levels_byte_len as usize)
            }
        };
        if levels.end > page.len() {
            return Err(PageError::Truncated);
        }
        let values = levels.end;
        self.page_levels = Hybrid::new(levels, 1)?;
        self.page_values = match encoding {
            Encoding::PLAIN => Values::Plain(values),
            Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY => {
                if self.dictionary.is_none() {
                    return Err(PageError::NoDictionary);
                }
                // The indices' bit width, then the indices.
                let width = *page.get(values).ok_or(PageError::Truncated)?;
                Values::Dictionary(Hybrid::new(values + 1..page.len(), width)?)
            }
            other => return Err(PageError::Encoding(other)),
        };
        (self.page, self.page_rows) = (page, rows as usize);
        Ok(())
    }

    /// Keeps a dictionary page's values: the chunk's first page, PLAIN-encoded.
    fn dictionary_page(&mut self, page: Bytes, values: u32, encoding: Encoding) -> Result<(), PageError> {
        if self.dictionary.is_some() || !self.page.is_empty() {
            return Err(PageError::LateDictionary);
        }
        if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
            return Err(PageError::Encoding(encoding));
        }
        // Each value takes at least 4 bytes, so the page's length bounds what is kept.
        let (mut spans, mut ints, mut at) = (Vec::new(), Vec::new(), 0);
        for _ in 0..values {
            match plain_value(&page, &mut at, self.kind)? {
                Value::Span(span) => spans.push(span),
                Value::Int(n) => ints.push(n),
            }
        }
        self.dictionary = Some(Dictionary { page, spans, ints });
        Ok(())
    }
}

/// One value: a span of a page (a byte array) or an integer.
#[derive(Debug, Clone, Copy)]
enum Value {
    Span((u32, u32)),
    Int(i64),
}

/// The column's kind, if we decode it: INT32, signed INT64, BYTE_ARRAY.
fn kind(descr: &ColumnDescriptor) -> Option<Kind> {
    let unsigned = matches!(
        descr.converted_type(),
        ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32 | ConvertedType::UINT_64
    );
    match descr.physical_type() {
        PhysicalType::INT32 => Some(Kind::Int32 { unsigned }),
        PhysicalType::INT64 if !unsigned => Some(Kind::Int64),
        PhysicalType::BYTE_ARRAY => Some(Kind::Bytes),
        _ => None,
    }
}

/// The PLAIN value of `kind` at `page[*at..]`, moving `at` past it: an integer in 4 or 8
/// little-endian bytes, a byte array behind its 4-byte length.
#[inline]
fn plain_value(page: &[u8], at: &mut usize, kind: Kind) -> Result<Value, PageError> {
    let start = *at;
    Ok(match kind {
        Kind::Int32 { unsigned } => {
            let n = page.get(start..start + 4).ok_or(PageError::Truncated)?;
            let n = [n[0], n[1], n[2], n[3]];
            *at = start + 4;
            Value::Int(if unsigned { i64::from(u32::from_le_bytes(n)) } else { i64::from(i32::from_le_bytes(n)) })
        }
        Kind::Int64 => {
            let n = page.get(start..start + 8).ok_or(PageError::Truncated)?;
            *at = start + 8;
            Value::Int(i64::from_le_bytes([n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]]))
        }
        Kind::Bytes => {
            let len = page.get(start..start + 4).ok_or(PageError::Truncated)?;
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let end = (start + 4).checked_add(len).filter(|&end| end <= page.len()).ok_or(PageError::Truncated)?;
            let span = (u32::try_from(start + 4), u32::try_from(end));
            let (Ok(from), Ok(to)) = span else { return Err(PageError::TooLong(page.len())) };
            *at = end;
            Value::Span((from, to))
        }
    })
}

/// Where the definition levels of a version 1 data page are: behind their 4-byte length.
pub(super) fn v1_levels(page: &[u8]) -> Option<std::ops::Range<usize>> {
    let len = page.get(..4)?;
    Some(4..4 + u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize)
}
