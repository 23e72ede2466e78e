//! The pages of a column chunk read by the Parquet crate's column reader, checked first where
//! that reader would panic on damage (parquet 60): a dictionary page whose values run past its
//! end, a PLAIN page of byte arrays whose lengths run past its end, and a dictionary-encoded
//! data page with no dictionary before it. Each is an error.

use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result};
use parquet::schema::types::ColumnDescriptor;

use super::hybrid::Hybrid;
use super::page_column::v1_levels;

/// A page reader that refuses the damage above.
pub(super) struct CheckedPages {
    pages: Box<dyn PageReader>,
    physical: PhysicalType,
    /// Bytes of a FIXED_LEN_BYTE_ARRAY value.
    fixed_len: usize,
    /// Whether data pages start with definition levels (version 1 pages: behind their length).
    optional: bool,
    dictionary: bool,
}

impl CheckedPages {
    pub(super) fn new(pages: Box<dyn PageReader>, descr: &ColumnDescriptor) -> Self {
        let fixed_len = usize::try_from(descr.type_length()).unwrap_or(0);
        let optional = descr.max_def_level() > 0;
        Self { pages, physical: descr.physical_type(), fixed_len, optional, dictionary: false }
    }

    fn check(&mut self, page: &Page) -> Result<()> {
        match page {
            Page::DictionaryPage { buf, num_values, .. } => {
                self.dictionary = true;
                if !plain_values_fit(buf, *num_values as usize, self.physical, self.fixed_len) {
                    return Err(damage("a dictionary page ends before its values"));
                }
            }
            Page::DataPage { encoding, .. } | Page::DataPageV2 { encoding, .. } => {
                let indexed = matches!(encoding, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY);
                if indexed && !self.dictionary {
                    return Err(damage("a dictionary-encoded page without a dictionary page before it"));
                }
                if *encoding == Encoding::PLAIN && self.physical == PhysicalType::BYTE_ARRAY {
                    // The values follow the levels: as many as the levels say are present.
                    let buf = page.buffer();
                    let levels = match page {
                        Page::DataPageV2 { def_levels_byte_len, rep_levels_byte_len, .. } => {
                            let start = *rep_levels_byte_len as usize;
                            start..start + *def_levels_byte_len as usize
                        }
                        _ if self.optional => v1_levels(buf).ok_or_else(|| damage("a page ends before its levels"))?,
                        _ => 0..0,
                    };
                    let rows = page.num_values() as usize;
                    let present = if self.optional { present_values(buf, levels.clone(), rows)? } else { rows };
                    let values = buf.get(levels.end..).unwrap_or_default();
                    if !plain_values_fit(values, present, PhysicalType::BYTE_ARRAY, 0) {
                        return Err(damage("a page of byte arrays whose values run past its end"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether `count` PLAIN values of `physical` lie within `data`.
fn plain_values_fit(data: &[u8], count: usize, physical: PhysicalType, fixed_len: usize) -> bool {
    let width = match physical {
        PhysicalType::BOOLEAN => return count.div_ceil(8) <= data.len(),
        PhysicalType::INT32 | PhysicalType::FLOAT => 4,
        PhysicalType::INT64 | PhysicalType::DOUBLE => 8,
        PhysicalType::INT96 => 12,
        PhysicalType::FIXED_LEN_BYTE_ARRAY => fixed_len,
        PhysicalType::BYTE_ARRAY => {
            let mut at = 0usize;
            for _ in 0..count {
                let Some(len) = data.get(at..at + 4) else { return false };
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                at = match (at + 4).checked_add(len) {
                    Some(end) if end <= data.len() => end,
                    _ => return false,
                };
            }
            return true;
        }
    };
    count.checked_mul(width).is_some_and(|bytes| bytes <= data.len())
}

/// How many of a page's `rows` have a value: definition levels of 1 in `levels` of `page`.
fn present_values(page: &[u8], levels: std::ops::Range<usize>, rows: usize) -> Result<usize> {
    let unreadable = |_| damage("a page whose definition levels cannot be read");
    let mut decoder = Hybrid::new(levels, 1).map_err(unreadable)?;
    let (mut present, mut left, mut chunk) = (0, rows, Vec::with_capacity(1024));
    while left > 0 {
        chunk.clear();
        let take = left.min(1024);
        decoder.fill(page, take, &mut chunk).map_err(unreadable)?;
        present += chunk.iter().filter(|&&level| level == 1).count();
        left -= take;
    }
    Ok(present)
}

fn damage(what: &str) -> ParquetError {
    ParquetError::General(what.to_owned())
}

impl Iterator for CheckedPages {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}

impl PageReader for CheckedPages {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        let page = self.pages.get_next_page()?;
        if let Some(page) = &page {
            self.check(page)?;
        }
        Ok(page)
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.pages.peek_next_page()
    }

    fn skip_next_page(&mut self) -> Result<()> {
        self.pages.skip_next_page()
    }
}
