//! VPC Flow Logs in Parquet (`.parquet`, gzip-compressed pages): read row by row through the
//! `parquet` crate's record API, page by page through a small block cache, so memory stays
//! bounded whatever the file's size. The columns are the field names with `_` for `-`;
//! records are sent as their text form would be (`format::vpcflow`): the default columns as
//! a raw line, other columns as named attributes, so text and Parquet give the same logs.

use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::block_cache::BlockCache;
use super::decode::ReadError;
use super::scope::ObjectScope;
use super::vpcflow::FlowFormat;
use crate::entry::flow::{FlowValue, write_flow_attributes, write_flow_line};
use crate::sink::{BatchOut, EntrySink};
use crate::store::RangeRead;

/// Reads every row of a Parquet flow log into `sink`.
pub(crate) fn read_flow_parquet<O: BatchOut>(
    source: Arc<dyn RangeRead>,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let damaged = |err: parquet::errors::ParquetError| ReadError::Format(format!("Parquet: {err}"));
    let reader = SerializedFileReader::new(BlockCache::new(source)).map_err(damaged)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let names: Vec<&str> = schema.columns().iter().map(|column| column.name()).collect();
    let format = FlowFormat::of_fields(names.iter().copied());
    let ctx = scope.ctx;
    let mut line = String::new();
    let mut texts: Vec<String> = Vec::with_capacity(names.len());
    for row in reader.get_row_iter(None).map_err(damaged)? {
        let row = row.map_err(damaged)?;
        texts.clear();
        texts.extend(row.get_column_iter().map(|(_, field)| text_of(field)));
        line.clear();
        for (i, text) in texts.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(text);
        }
        match &format {
            FlowFormat::Default => {
                let start = row.get_column_iter().nth(10).and_then(|(_, field)| number_of(field));
                sink.commit(&ctx.rules, line.as_bytes(), |out| {
                    write_flow_line(out, ctx, &scope.attrs, line.as_bytes(), start)
                })?;
            }
            FlowFormat::Custom(fields) => {
                let values: Vec<FlowValue<'_>> = row
                    .get_column_iter()
                    .zip(&texts)
                    .map(|((_, field), text)| value_of(field).unwrap_or(FlowValue::Text(text)))
                    .collect();
                let pairs = fields.iter().zip(values.iter().copied());
                sink.commit(&ctx.rules, line.as_bytes(), |out| write_flow_attributes(out, ctx, &scope.attrs, pairs))?;
            }
        }
    }
    Ok(())
}

/// A field as a flow value, or `None` when only its text says it (a type flow logs do not use).
fn value_of(field: &Field) -> Option<FlowValue<'_>> {
    match field {
        Field::Null => Some(FlowValue::Absent),
        Field::Str(text) => Some(FlowValue::Text(text)),
        other => number_of(other).map(FlowValue::Number),
    }
}

fn number_of(field: &Field) -> Option<i64> {
    match *field {
        Field::Byte(n) => Some(n.into()),
        Field::Short(n) => Some(n.into()),
        Field::Int(n) => Some(n.into()),
        Field::Long(n) => Some(n),
        Field::UByte(n) => Some(n.into()),
        Field::UShort(n) => Some(n.into()),
        Field::UInt(n) => Some(n.into()),
        Field::ULong(n) => i64::try_from(n).ok(),
        _ => None,
    }
}

/// A field as the text form of a flow log writes it (`-` for no value).
fn text_of(field: &Field) -> String {
    match field {
        Field::Null => "-".to_owned(),
        Field::Str(text) => text.clone(),
        other => number_of(other).map_or_else(|| other.to_string(), |n| n.to_string()),
    }
}
