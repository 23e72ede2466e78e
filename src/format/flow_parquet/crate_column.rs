//! A Parquet column read by the crate's column reader, for the types and encodings
//! `page_column` does not decode: a batch of rows at a time into reused buffers (its values and
//! definition levels), each row's value written as text into the row's line.

use std::io::Write;

use parquet::basic::ConvertedType;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DataType, DoubleType, FixedLenByteArray, FixedLenByteArrayType, FloatType,
    Int32Type, Int64Type,
};
use parquet::errors::Result as ParquetResult;
use parquet::schema::types::ColumnDescriptor;

use super::cell::Cell;
use crate::format::decode::ReadError;

/// Rows read per batch: enough to amortise each read, few enough to keep memory small.
const BATCH_ROWS: usize = 4096;

/// A column being read, with the current batch.
pub(super) struct CrateColumn {
    name: String,
    values: Values,
    levels: Vec<i16>,
    /// Definition level of a present value (0: the column is required).
    max_level: i16,
    /// Rows in the batch, the next row and the next value.
    rows: usize,
    row: usize,
    value: usize,
}

/// A typed column reader and its batch of present values.
enum Values {
    Bool(ColumnReaderImpl<BoolType>, Vec<bool>),
    Int32(ColumnReaderImpl<Int32Type>, Vec<i32>, Unsigned),
    Int64(ColumnReaderImpl<Int64Type>, Vec<i64>, Unsigned),
    Float(ColumnReaderImpl<FloatType>, Vec<f32>),
    Double(ColumnReaderImpl<DoubleType>, Vec<f64>),
    Bytes(ColumnReaderImpl<ByteArrayType>, Vec<ByteArray>),
    Fixed(ColumnReaderImpl<FixedLenByteArrayType>, Vec<FixedLenByteArray>),
}

/// Whether an integer column holds unsigned values (`UINT_32`…).
type Unsigned = bool;

impl CrateColumn {
    /// The column `descr` of a row group, from its reader; INT96 (a legacy timestamp, no
    /// flow-log field) is refused.
    pub(super) fn new(reader: ColumnReader, descr: &ColumnDescriptor) -> Result<Self, ReadError> {
        let unsigned = matches!(
            descr.converted_type(),
            ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32 | ConvertedType::UINT_64
        );
        let values = match reader {
            ColumnReader::BoolColumnReader(r) => Values::Bool(r, Vec::new()),
            ColumnReader::Int32ColumnReader(r) => Values::Int32(r, Vec::new(), unsigned),
            ColumnReader::Int64ColumnReader(r) => Values::Int64(r, Vec::new(), unsigned),
            ColumnReader::FloatColumnReader(r) => Values::Float(r, Vec::new()),
            ColumnReader::DoubleColumnReader(r) => Values::Double(r, Vec::new()),
            ColumnReader::ByteArrayColumnReader(r) => Values::Bytes(r, Vec::new()),
            ColumnReader::FixedLenByteArrayColumnReader(r) => Values::Fixed(r, Vec::new()),
            ColumnReader::Int96ColumnReader(_) => {
                return Err(ReadError::Format(format!(
                    "Parquet: column `{}` is INT96, which no flow-log field uses",
                    descr.name()
                )));
            }
        };
        let name = descr.name().to_owned();
        Ok(Self { name, values, levels: Vec::new(), max_level: descr.max_def_level(), rows: 0, row: 0, value: 0 })
    }

    /// Reads the next batch; the rows read (0 at the end of the row group).
    fn read_batch(&mut self) -> ParquetResult<usize> {
        let levels = &mut self.levels;
        (self.row, self.value) = (0, 0);
        self.rows = match &mut self.values {
            Values::Bool(r, v) => read(r, levels, v),
            Values::Int32(r, v, _) => read(r, levels, v),
            Values::Int64(r, v, _) => read(r, levels, v),
            Values::Float(r, v) => read(r, levels, v),
            Values::Double(r, v) => read(r, levels, v),
            Values::Bytes(r, v) => read(r, levels, v),
            Values::Fixed(r, v) => read(r, levels, v),
        }?;
        Ok(self.rows)
    }

    /// Fails when the column holds rows past the row group's (read after its last row).
    pub(super) fn finish(&mut self) -> Result<(), ReadError> {
        if self.row < self.rows || self.read_batch().map_err(|err| self.damaged(err))? > 0 {
            return Err(ReadError::Format(format!("Parquet: column `{}` has more rows than its row group", self.name)));
        }
        Ok(())
    }

    fn damaged(&self, err: parquet::errors::ParquetError) -> ReadError {
        ReadError::Format(format!("Parquet: column `{}`: {err}", self.name))
    }

    /// Writes the next row's value to `line` as text (`-` for null) and returns it.
    #[inline(never)]
    pub(super) fn next_into(&mut self, line: &mut Vec<u8>) -> Result<Cell, ReadError> {
        if self.row == self.rows && self.read_batch().map_err(|err| self.damaged(err))? == 0 {
            let name = &self.name;
            return Err(ReadError::Format(format!("Parquet: column `{name}` ends before its row group's rows")));
        }
        Ok(self.value_into(line))
    }

    /// Writes the batch's next row into `line`.
    fn value_into(&mut self, line: &mut Vec<u8>) -> Cell {
        let present = self.max_level == 0 || self.levels.get(self.row) == Some(&self.max_level);
        self.row += 1;
        if !present {
            line.push(b'-');
            return Cell::Absent;
        }
        let at = self.value;
        self.value += 1;
        let from = line.len();
        let number = match &self.values {
            Values::Int32(_, v, false) => v.get(at).map(|&n| i64::from(n)),
            Values::Int32(_, v, true) => v.get(at).map(|&n| i64::from(n as u32)),
            Values::Int64(_, v, false) => v.get(at).copied(),
            Values::Int64(_, v, true) => match v.get(at).map(|&n| n as u64) {
                Some(n) => match i64::try_from(n) {
                    Ok(n) => Some(n),
                    Err(_) => return text(line, from, format_args!("{n}")),
                },
                None => None,
            },
            Values::Bool(_, v) => return display(line, from, v.get(at)),
            Values::Float(_, v) => return display(line, from, v.get(at)),
            Values::Double(_, v) => return display(line, from, v.get(at)),
            // Decoded values always hold their bytes (`data` panics only on a default value).
            Values::Bytes(_, v) => return bytes(line, from, v.get(at).map(ByteArray::data)),
            Values::Fixed(_, v) => return bytes(line, from, v.get(at).map(|b| b.data())),
        };
        match number {
            Some(n) => {
                line.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
                Cell::Number(n)
            }
            None => absent(line),
        }
    }
}

/// Reads up to a batch of rows into the (cleared) buffers.
fn read<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    levels: &mut Vec<i16>,
    values: &mut Vec<T::T>,
) -> ParquetResult<usize> {
    levels.clear();
    values.clear();
    let (rows, _, _) = reader.read_records(BATCH_ROWS, Some(levels), None, values)?;
    Ok(rows)
}

/// A value with no integer form, as its text.
fn display(line: &mut Vec<u8>, from: usize, value: Option<&impl std::fmt::Display>) -> Cell {
    match value {
        Some(value) => text(line, from, format_args!("{value}")),
        None => absent(line),
    }
}

fn text(line: &mut Vec<u8>, from: usize, value: std::fmt::Arguments<'_>) -> Cell {
    let _ = line.write_fmt(value);
    Cell::Text(from, line.len())
}

/// A byte array's bytes, as text once the row's line is checked.
fn bytes(line: &mut Vec<u8>, from: usize, value: Option<&[u8]>) -> Cell {
    match value {
        Some(value) => {
            line.extend_from_slice(value);
            Cell::Text(from, line.len())
        }
        None => absent(line),
    }
}

/// A value missing from the batch (never, when levels and values agree) reads as null.
fn absent(line: &mut Vec<u8>) -> Cell {
    line.push(b'-');
    Cell::Absent
}
