//! The words of a flow-log line: where the `n`-th one is (sixteen bytes per step for lines
//! separated by spaces, as flow logs are) and a decimal integer read from one.

use crate::json;

/// The `n`-th word (from 0) of a line whose words are separated by runs of ASCII whitespace.
pub(super) fn nth_word(line: &[u8], n: usize) -> Option<&[u8]> {
    let (start, end) = match spaced_word_start(line, n) {
        Ok(found) => found?,
        Err(NotSpaced) => return nth_word_bytewise(line, n),
    };
    let end = end.unwrap_or_else(|| {
        line[start..].iter().position(u8::is_ascii_whitespace).map_or(line.len(), |len| start + len)
    });
    Some(&line[start..end])
}

/// A control byte (a tab, say) where [`spaced_word_start`] looks for words.
struct NotSpaced;

/// Where the `n`-th word of a line starts, and where it ends when that is in the same block,
/// for lines whose words are separated by spaces only (flow logs' lines), read sixteen bytes
/// per vector step and sixty-four per mask: a control byte in the blocks read is `NotSpaced`.
fn spaced_word_start(line: &[u8], n: usize) -> Result<Option<(usize, Option<usize>)>, NotSpaced> {
    let mut seen = 0;
    // Bit 0 set: the byte before this block is a space (the line's start counts as one).
    let mut after_space = 1u64;
    let mut controls = 0;
    let mut at = 0;
    let found = 'blocks: loop {
        if at >= line.len() {
            break None;
        }
        let (spaces, control) = block_classes(line, at);
        controls |= control;
        let mut starts = !spaces & ((spaces << 1) | after_space);
        after_space = spaces >> 63;
        // The `n`-th start, one set bit at a time (`count_ones` is no quicker without the
        // `popcnt` instruction, which the baseline x86_64 target lacks).
        while starts != 0 {
            if seen == n {
                let start = starts.trailing_zeros();
                // The first space after the start (the line's end counts as one).
                let rest = spaces >> start;
                let end = (rest != 0).then(|| (at + (start + rest.trailing_zeros()) as usize).min(line.len()));
                break 'blocks Some((at + start as usize, end));
            }
            seen += 1;
            starts &= starts - 1;
        }
        at += 64;
    };
    if controls != 0 { Err(NotSpaced) } else { Ok(found) }
}

/// [`byte_classes`] of the sixty-four bytes from `at`, bit `i` for byte `at + i`; bytes past
/// the end of the line count as spaces.
#[inline]
fn block_classes(line: &[u8], at: usize) -> (u64, u64) {
    let (mut spaces, mut controls) = (0, 0);
    for quarter in 0..4 {
        let (s, c) = chunk_classes(line, at + 16 * quarter);
        spaces |= u64::from(s) << (16 * quarter);
        controls |= u64::from(c) << (16 * quarter);
    }
    (spaces, controls)
}

/// [`byte_classes`] of the sixteen bytes from `at`, bytes past the end of the line counted as
/// spaces. A line's last few bytes are read as its last sixteen (no copy), shifted.
#[inline]
fn chunk_classes(line: &[u8], at: usize) -> (u16, u16) {
    if let Some(chunk) = line.get(at..at + 16).and_then(|chunk| <&[u8; 16]>::try_from(chunk).ok()) {
        return byte_classes(chunk);
    }
    let Some(left) = line.len().checked_sub(at).filter(|&left| left > 0) else {
        return (u16::MAX, 0);
    };
    let beyond = u16::MAX << left;
    let (spaces, controls) = match line.last_chunk::<16>() {
        Some(last) => {
            let (spaces, controls) = byte_classes(last);
            let read = 16 - left;
            (spaces >> read, controls >> read)
        }
        None => {
            let mut padded = [b' '; 16];
            padded[..left].copy_from_slice(&line[at..]);
            byte_classes(&padded)
        }
    };
    (spaces | beyond, controls & !beyond)
}

/// Bit `i` of the first mask set when `chunk[i]` is a space, of the second when it is a
/// control byte (below 0x20).
#[cfg(target_arch = "x86_64")]
#[inline]
fn byte_classes(chunk: &[u8; 16]) -> (u16, u16) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is part of every x86_64 target; the load reads exactly the sixteen bytes
    // of `chunk` (`loadu` needs no alignment).
    unsafe {
        let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
        let spaces = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b' ' as i8));
        // A byte is below 0x20 when the smaller of it and 0x1f is itself.
        let controls = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
        (_mm_movemask_epi8(spaces) as u16, _mm_movemask_epi8(controls) as u16)
    }
}

/// [`byte_classes`] on other targets, eight bytes (one word) at a time.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn byte_classes(chunk: &[u8; 16]) -> (u16, u16) {
    byte_classes_by_words(chunk)
}

/// [`byte_classes`] without vector instructions: each half's flags (the high bit of each
/// byte) gathered into eight bits by one multiplication.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn byte_classes_by_words(chunk: &[u8; 16]) -> (u16, u16) {
    let half = |i: usize| {
        let w = json::word_at(chunk, i).unwrap_or(0);
        // `control_bytes` is exact for the lowest flag only: enough to tell there is one.
        let control = u16::from(json::control_bytes(w) != 0) * 0xff;
        (gather_high_bits(json::equal_bytes(w, b' ')), control)
    };
    let ((low_spaces, low_controls), (high_spaces, high_controls)) = (half(0), half(8));
    (low_spaces | high_spaces << 8, low_controls | high_controls << 8)
}

/// The high bits of a word's eight bytes as eight bits, the first byte's lowest.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn gather_high_bits(flags: u64) -> u16 {
    // Bit 8k moves to bit 56 + k; no other product lands in the top byte.
    u16::from((((flags >> 7) & json::ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8)
}

/// [`nth_word`] byte by byte, for lines with control bytes.
fn nth_word_bytewise(line: &[u8], n: usize) -> Option<&[u8]> {
    let mut i = 0;
    for _ in 0..n {
        i += line.get(i..)?.iter().position(|b| !b.is_ascii_whitespace())?;
        i += line[i..].iter().position(u8::is_ascii_whitespace)?;
    }
    i += line.get(i..)?.iter().position(|b| !b.is_ascii_whitespace())?;
    let len = line[i..].iter().position(u8::is_ascii_whitespace).unwrap_or(line.len() - i);
    Some(&line[i..i + len])
}

/// The most digits any of which fit an `i64`.
const SAFE_DIGITS: usize = 18;

/// A decimal integer read as `str::parse::<i64>` reads one (an optional sign, then at least
/// one ASCII digit, no overflow), without the UTF-8 check of a `str`; up to eighteen digits
/// without overflow checks.
pub(super) fn parse_i64(word: &[u8]) -> Option<i64> {
    let (negative, digits) = match word {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, word),
    };
    if digits.is_empty() {
        return None;
    }
    if digits.len() <= SAFE_DIGITS {
        let mut n = 0i64;
        for &b in digits {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n = n * 10 + i64::from(digit);
        }
        return Some(if negative { -n } else { n });
    }
    digits.iter().try_fold(0i64, |n, &b| {
        let digit = i64::from(b.wrapping_sub(b'0'));
        let n = n.checked_mul(10).filter(|_| digit < 10)?;
        if negative { n.checked_sub(digit) } else { n.checked_add(digit) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_found_like_split_ascii_whitespace() {
        let words = ["2", "123456789010", "eni-1", "é", "-", "1418530010", "x\u{7f}", "abcdefghijklmnopq"];
        let separators = [" ", "  ", "\t", " \r ", "\u{b}", "\n", "                "];
        for len in 0..40 {
            for sep in separators {
                for lead in ["", " ", "\t", "               "] {
                    let line: String =
                        lead.to_owned() + &(0..len).map(|i| words[i % words.len()]).collect::<Vec<_>>().join(sep);
                    let expected: Vec<&[u8]> =
                        line.as_bytes().split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).collect();
                    for n in 0..len + 2 {
                        assert_eq!(nth_word(line.as_bytes(), n), expected.get(n).copied(), "{line:?} {n}");
                    }
                }
            }
        }
    }

    #[test]
    fn byte_classes_agree_with_the_words_version() {
        let mut chunk = [b'a'; 16];
        for i in 0..16 {
            for j in 0..16 {
                for (x, y) in [(b' ', b' '), (b' ', 0x1f), (0, b' '), (b'\t', 0x80), (0x20, 0x21), (0xff, b' ')] {
                    chunk.fill(b'a');
                    chunk[i] = x;
                    chunk[j] = y;
                    let simple = chunk.iter().enumerate().fold((0u16, 0u16), |(s, c), (k, &b)| {
                        (s | u16::from(b == b' ') << k, c | u16::from(b < 0x20) << k)
                    });
                    assert_eq!(byte_classes(&chunk), simple, "{chunk:?}");
                    let by_words = byte_classes_by_words(&chunk);
                    assert_eq!(by_words.0, simple.0, "{chunk:?}");
                    assert_eq!(by_words.1 != 0, simple.1 != 0, "{chunk:?}");
                }
            }
        }
    }

    #[test]
    fn integers_parsed_like_str_parse() {
        for word in [
            "0",
            "1418530010",
            "+5",
            "-5",
            "-",
            "+",
            "",
            "12a",
            "a1",
            "٣",
            "/",
            ":",
            "999999999999999999",
            "-999999999999999999",
            "9999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "000000000000000000000000001",
            "007",
            "1 ",
            "--1",
        ] {
            assert_eq!(parse_i64(word.as_bytes()), word.parse::<i64>().ok(), "{word:?}");
        }
    }
}
