//! Parquet's RLE / bit-packed hybrid encoding, which holds definition levels and dictionary
//! indices: runs of one repeated value and groups of eight bit-packed values, each behind a
//! ULEB128 header. Read a few values at a time, so memory stays the same whatever a run claims.

use super::errors::PageError;

/// A position in hybrid-encoded bytes (`data[..end]` of the page given to each call).
#[derive(Debug, Default)]
pub(super) struct Hybrid {
    /// The next run header, and the end of the encoded bytes.
    at: usize,
    end: usize,
    width: usize,
    /// Values left in the current run.
    left: usize,
    /// The current run: a repeated value, or bit-packed values from bit `bit` of the page.
    packed: bool,
    value: u32,
    bit: usize,
}

impl Hybrid {
    /// Values of `width` bits (at most 32) encoded in `range` of a page.
    pub(super) fn new(range: std::ops::Range<usize>, width: u8) -> Result<Self, PageError> {
        if width > 32 {
            return Err(PageError::BitWidth(width));
        }
        Ok(Self { at: range.start, end: range.end, width: usize::from(width), ..Self::default() })
    }

    /// Appends the next `count` values to `out`; an error when the encoded bytes end first.
    pub(super) fn fill(&mut self, page: &[u8], mut count: usize, out: &mut Vec<u32>) -> Result<(), PageError> {
        while count > 0 {
            while self.left == 0 {
                self.next_run(page)?;
            }
            let take = self.left.min(count);
            (self.left, count) = (self.left - take, count - take);
            if !self.packed {
                out.extend(std::iter::repeat_n(self.value, take));
                continue;
            }
            let (first, width, mask) = (self.bit, self.width, (1u64 << self.width) - 1);
            self.bit += take * width;
            out.extend((0..take).map(|i| {
                let bit = first + i * width;
                let (byte, shift) = (bit / 8, bit % 8);
                // A value of up to 32 bits at a shift of up to 7 lies within eight bytes; near
                // the end of the page they are read into a zeroed word. The run was checked to
                // hold its values' bits.
                let word = match page.get(byte..byte + 8) {
                    Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or_default()),
                    None => {
                        let mut eight = [0u8; 8];
                        let tail = page.get(byte..).unwrap_or_default();
                        let len = tail.len().min(8);
                        eight[..len].copy_from_slice(&tail[..len]);
                        u64::from_le_bytes(eight)
                    }
                };
                // The mask keeps `width` ≤ 32 bits, so the value fits.
                ((word >> shift) & mask) as u32
            }));
        }
        Ok(())
    }

    /// Reads the next run's header (and a repeated run's value).
    fn next_run(&mut self, page: &[u8]) -> Result<(), PageError> {
        let data = page.get(self.at..self.end).ok_or(PageError::Truncated)?;
        let (header, read) = uleb128(data)?;
        let run = usize::try_from(header >> 1).unwrap_or(usize::MAX);
        let data = &data[read..];
        if header & 1 == 0 {
            // A repeated value, in the fewest whole bytes that hold `width` bits.
            let bytes = data.get(..self.width.div_ceil(8)).ok_or(PageError::Truncated)?;
            self.value = bytes.iter().rev().fold(0u32, |value, &byte| (value << 8) | u32::from(byte));
            (self.packed, self.left) = (false, run);
            self.at += read + bytes.len();
        } else if self.width == 0 {
            (self.packed, self.value, self.left) = (false, 0, run.saturating_mul(8));
            self.at += read;
        } else {
            // `run` groups of eight values, `width` bytes per group; a last group cut short
            // keeps the values it holds whole.
            let bytes = run.saturating_mul(self.width).min(data.len());
            let values = run.saturating_mul(8).min(bytes * 8 / self.width);
            if values == 0 {
                return Err(PageError::Truncated);
            }
            (self.packed, self.left, self.bit) = (true, values, (self.at + read) * 8);
            self.at += read + bytes;
        }
        Ok(())
    }
}

/// A ULEB128 number (a run header) and the bytes it took.
fn uleb128(data: &[u8]) -> Result<(u64, usize), PageError> {
    let mut value = 0u64;
    for (at, &byte) in data.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * at);
        if byte & 0x80 == 0 {
            return Ok((value, at + 1));
        }
    }
    Err(PageError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` values of `width` bits from `data`, placed after two bytes of something else.
    fn decoded(data: &[u8], width: u8, count: usize) -> Result<Vec<u32>, PageError> {
        let page: Vec<u8> = [7, 7].iter().chain(data).copied().collect();
        let mut hybrid = Hybrid::new(2..page.len(), width)?;
        let mut out = vec![99];
        hybrid.fill(&page, count, &mut out)?;
        assert_eq!(out.remove(0), 99, "values are appended");
        Ok(out)
    }

    #[test]
    fn runs_and_bit_packed_groups() {
        // A run of 5 × 3 (width 2: one byte), then one group of 1,0,1,1,0,0,0,1 (width 1).
        assert_eq!(decoded(&[10, 3, 3, 0b1000_1101], 2, 5).unwrap(), [3; 5]);
        assert_eq!(decoded(&[10, 3, 3, 0b1000_1101], 1, 13).unwrap(), [3, 3, 3, 3, 3, 1, 0, 1, 1, 0, 0, 0, 1]);
        // Width 3, values 0..8 packed: 0b10_001_000, 0b1_100_011_0, 0b111_110_1.
        assert_eq!(decoded(&[3, 0b1000_1000, 0b1100_0110, 0b1111_1010], 3, 8).unwrap(), (0..8).collect::<Vec<_>>());
        // A run's value takes whole bytes, least significant first: width 9 takes two.
        assert_eq!(decoded(&[4, 0x02, 0x01], 9, 2).unwrap(), [258, 258]);
        // Width 0 holds only zeros, in runs and in groups.
        assert_eq!(decoded(&[200, 1], 0, 100).unwrap(), [0; 100]);
        assert_eq!(decoded(&[5], 0, 16).unwrap(), [0; 16]);
        // A zero-length run is passed over.
        assert_eq!(decoded(&[0, 1, 2, 1], 1, 1).unwrap(), [1]);
    }

    #[test]
    fn wide_values_and_long_headers() {
        // Width 32, one group: eight u32 values as little-endian words.
        let values = [0, 1, u32::MAX, 7, 1 << 31, 12345, 0xdead_beef, 42];
        let mut data = vec![3];
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        assert_eq!(decoded(&data, 32, 8).unwrap(), values);
        // A run of 300 in a two-byte header (600 = 0xd8 0x04).
        assert_eq!(decoded(&[0xd8, 0x04, 1], 1, 300).unwrap(), [1; 300]);
        // Width 17 across byte boundaries: 1, 2^17 - 1, 65536, then zeros.
        let packed: u128 = 1 | (((1 << 17) - 1) << 17) | (65536 << 34);
        let mut data = vec![3];
        data.extend(packed.to_le_bytes());
        data.push(0);
        assert_eq!(decoded(&data, 17, 8).unwrap(), [1, (1 << 17) - 1, 65536, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        assert!(matches!(decoded(&[], 1, 1), Err(PageError::Truncated)));
        assert!(matches!(decoded(&[10], 2, 5), Err(PageError::Truncated)), "a run without its value");
        assert!(matches!(decoded(&[10, 3], 2, 6), Err(PageError::Truncated)), "past the last run");
        assert!(matches!(decoded(&[0x80; 11], 1, 1), Err(PageError::Truncated)), "a header that never ends");
        assert!(matches!(Hybrid::new(0..0, 33), Err(PageError::BitWidth(33))));
        // A group cut short keeps its whole values: one byte of width 3 holds two.
        assert_eq!(decoded(&[3, 0b0001_0000], 3, 2).unwrap(), [0, 2]);
        assert!(matches!(decoded(&[3, 0b0001_0000], 3, 3), Err(PageError::Truncated)));
        // A huge group count reads only the bytes present.
        assert_eq!(decoded(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0xff], 1, 8).unwrap(), [1; 8]);
        assert!(matches!(decoded(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0xff], 1, 9), Err(PageError::Truncated)));
        // A huge repeated run costs nothing until its values are read.
        assert_eq!(decoded(&[0xfe, 0xff, 0xff, 0xff, 0x0f, 1], 1, 3).unwrap(), [1; 3]);
    }

    #[test]
    fn values_read_in_parts_continue_their_runs() {
        let data = [2, 0, 10, 3, 3, 0b1000_1101, 3, 0b1111_0000];
        let page: Vec<u8> = data.to_vec();
        let whole = decoded(&data, 1, 21).unwrap();
        for first in 0..=21 {
            let mut hybrid = Hybrid::new(0..page.len(), 1).unwrap();
            let mut out = Vec::new();
            hybrid.fill(&page, first, &mut out).unwrap();
            hybrid.fill(&page, 21 - first, &mut out).unwrap();
            assert_eq!(out, whole, "split after {first}");
        }
    }
}
