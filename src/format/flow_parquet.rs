//! VPC Flow Logs in Parquet (`.parquet`, gzip-compressed pages): read column by column, a
//! batch of rows at a time per row group, through a small block cache, so memory stays
//! bounded whatever the file's size. The columns are the field names with `_` for `-`;
//! records are sent as their text form would be (`format::vpcflow`): the default columns as
//! a raw line, other columns as named attributes, so text and Parquet give the same logs.

mod columns;

use std::borrow::Cow;
use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::SchemaDescriptor;

use self::columns::{Cell, Column};
use super::block_cache::BlockCache;
use super::decode::ReadError;
use super::scope::ObjectScope;
use super::vpcflow::FlowFormat;
use crate::entry::flow::{FlowValue, write_flow_attributes, write_flow_line};
use crate::sink::{BatchOut, EntrySink};
use crate::store::RangeRead;

/// Position of `start` among the default (v2) fields.
const START_FIELD: usize = 10;

/// Reads every row of a Parquet flow log into `sink`.
pub(crate) fn read_flow_parquet<O: BatchOut>(
    source: Arc<dyn RangeRead>,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
) -> Result<(), ReadError> {
    let reader = SerializedFileReader::new(BlockCache::new(source)).map_err(damaged)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    check_flat(&schema)?;
    let format = FlowFormat::of_fields(schema.columns().iter().map(|column| column.name()));
    let ctx = scope.ctx;
    let mut line = Vec::new();
    let mut cells: Vec<Cell> = Vec::with_capacity(schema.num_columns());
    let mut columns: Vec<Column> = Vec::with_capacity(schema.num_columns());
    for group in 0..reader.num_row_groups() {
        let group = reader.get_row_group(group).map_err(damaged)?;
        columns.clear();
        for (at, descr) in schema.columns().iter().enumerate() {
            columns.push(Column::new(group.get_column_reader(at).map_err(damaged)?, descr)?);
        }
        loop {
            let rows = read_batch(&mut columns)?;
            if rows == 0 {
                break;
            }
            for _ in 0..rows {
                line.clear();
                cells.clear();
                for (at, column) in columns.iter_mut().enumerate() {
                    if at > 0 {
                        line.push(b' ');
                    }
                    cells.push(column.next_into(&mut line));
                }
                // One UTF-8 check per row (word-at-a-time for ASCII); values that are not
                // UTF-8 are replaced only when it fails.
                let line = match std::str::from_utf8(&line) {
                    Ok(line) => Cow::Borrowed(line),
                    Err(_) => Cow::Owned(lossy_row(&line, &mut cells)),
                };
                match &format {
                    FlowFormat::Default => {
                        let start = cells.get(START_FIELD).and_then(|cell| cell.number());
                        sink.commit(&ctx.rules, line.as_bytes(), |out| {
                            write_flow_line(out, ctx, &scope.attrs, line.as_bytes(), start)
                        })?;
                    }
                    FlowFormat::Custom(fields) => {
                        let values = cells.iter().map(|cell| cell.value(&line));
                        let pairs = fields.iter().zip(values);
                        sink.commit(&ctx.rules, line.as_bytes(), |out| {
                            write_flow_attributes(out, ctx, &scope.attrs, pairs)
                        })?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The row's line with each text value's invalid UTF-8 replaced (U+FFFD), its cells moved to
/// match; the rest of the line (numbers, `-`, spaces) is ASCII.
fn lossy_row(line: &[u8], cells: &mut [Cell]) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut copied = 0;
    for cell in cells.iter_mut() {
        if let Cell::Text(from, to) = *cell {
            out.push_str(&String::from_utf8_lossy(&line[copied..from]));
            let start = out.len();
            out.push_str(&String::from_utf8_lossy(&line[from..to]));
            *cell = Cell::Text(start, out.len());
            copied = to;
        }
    }
    out.push_str(&String::from_utf8_lossy(&line[copied..]));
    out
}

/// Reads the next batch of every column; the rows read, the same for all.
fn read_batch(columns: &mut [Column]) -> Result<usize, ReadError> {
    let mut rows = None;
    for column in columns.iter_mut() {
        let read = column.read_batch().map_err(damaged)?;
        match rows {
            Some(rows) if rows != read => {
                return Err(ReadError::Format(format!(
                    "Parquet: column `{}` has {read} rows where the others have {rows}",
                    column.name()
                )));
            }
            _ => rows = Some(read),
        }
    }
    Ok(rows.unwrap_or(0))
}

/// Flow logs have flat columns: a nested or repeated one, or none at all, is not a flow log.
fn check_flat(schema: &SchemaDescriptor) -> Result<(), ReadError> {
    if schema.num_columns() == 0 {
        return Err(ReadError::Format("Parquet: no columns".to_owned()));
    }
    match schema.columns().iter().find(|column| column.max_rep_level() > 0 || column.path().parts().len() > 1) {
        Some(column) => Err(ReadError::Format(format!(
            "Parquet: column `{}` is nested or repeated; flow logs have flat columns",
            column.path().string()
        ))),
        None => Ok(()),
    }
}

fn damaged(err: parquet::errors::ParquetError) -> ReadError {
    ReadError::Format(format!("Parquet: {err}"))
}

impl Cell {
    /// The cell as a flow value; text is read from the row's `line`.
    fn value(self, line: &str) -> FlowValue<'_> {
        match self {
            Cell::Absent => FlowValue::Absent,
            Cell::Number(n) => FlowValue::Number(n),
            Cell::Text(from, to) => line.get(from..to).map_or(FlowValue::Absent, FlowValue::Text),
        }
    }

    fn number(self) -> Option<i64> {
        match self {
            Cell::Number(n) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    use parquet::basic::Compression;
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, FloatType, Int32Type, Int64Type, Int96, Int96Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    use super::*;
    use crate::entry::ObjectOrigin;
    use crate::format::ObjectKind;
    use crate::format::block_cache::tests::Memory;
    use crate::format::object_reader::read_ranged_object;

    /// One row group of two rows (the second all null) of `schema`'s columns, written by `write`.
    fn file(schema: &str, write: impl Fn(usize, &mut parquet::file::writer::SerializedColumnWriter<'_>)) -> Vec<u8> {
        let schema = Arc::new(parse_message_type(&format!("message flow {{ {schema} }}")).unwrap());
        let props =
            Arc::new(WriterProperties::builder().set_compression(Compression::GZIP(Default::default())).build());
        let mut out = Vec::new();
        let mut writer = SerializedFileWriter::new(&mut out, schema, props).unwrap();
        let mut group = writer.next_row_group().unwrap();
        let mut at = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            write(at, &mut column);
            column.close().unwrap();
            at += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        out
    }

    fn read(bytes: Vec<u8>) -> (Result<(), ReadError>, Vec<serde_json::Value>) {
        let ctx = crate::entry::test_support::context();
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let mut sink = EntrySink::new(Vec::new());
        let result = read_ranged_object(Arc::new(Memory(bytes)), ObjectKind::VpcFlowParquet, &ctx, origin, &mut sink);
        let (_, batches, _) = sink.finish();
        let entries = batches
            .iter()
            .flat_map(|b| serde_json::from_slice::<Vec<serde_json::Value>>(&b.raw_body().unwrap()).unwrap())
            .collect();
        (result.map(|_| ()), entries)
    }

    const DEFINED: [i16; 2] = [1, 0];

    /// A required `action` column of two rows, ACCEPT and REJECT.
    fn write_actions(column: &mut parquet::file::writer::SerializedColumnWriter<'_>) -> usize {
        column.typed::<ByteArrayType>().write_batch(&["ACCEPT".into(), "REJECT".into()], None, None).unwrap()
    }

    #[test]
    fn unexpected_column_types_are_sent_as_their_text() {
        let schema = "OPTIONAL BYTE_ARRAY version (UTF8); OPTIONAL FLOAT bytes; OPTIONAL BOOLEAN flag; \
                      OPTIONAL INT32 srcport (UINT_32); OPTIONAL INT64 packets (UINT_64); REQUIRED BYTE_ARRAY action;";
        let bytes = file(schema, |at, column| {
            let _ = match at {
                0 => {
                    column.typed::<ByteArrayType>().write_batch(&[ByteArray::from("5")], Some(&DEFINED), None).unwrap()
                }
                1 => column.typed::<FloatType>().write_batch(&[1.5], Some(&DEFINED), None).unwrap(),
                2 => column.typed::<BoolType>().write_batch(&[true], Some(&DEFINED), None).unwrap(),
                3 => column.typed::<Int32Type>().write_batch(&[-1], Some(&DEFINED), None).unwrap(),
                4 => column.typed::<Int64Type>().write_batch(&[-1], Some(&DEFINED), None).unwrap(),
                _ => write_actions(column),
            };
        });
        let (result, entries) = read(bytes);
        result.unwrap();
        assert_eq!(entries.len(), 2);
        let first = &entries[0];
        assert_eq!(first["version"], 5, "a numeric field given as text is a number");
        assert_eq!(first["bytes"], "1.5");
        assert_eq!(first["flag"], "true");
        assert_eq!(first["srcport"], u64::from(u32::MAX));
        assert_eq!(first["packets"], u64::MAX.to_string(), "too big for a number: its text");
        assert_eq!(first["action"], "ACCEPT");
        let second = entries[1].as_object().unwrap();
        assert!(
            ["version", "bytes", "flag", "srcport", "packets"].iter().all(|f| !second.contains_key(*f)),
            "{second:?}"
        );
        assert_eq!(second["action"], "REJECT");
    }

    #[test]
    fn a_value_that_is_not_utf8_is_replaced_and_the_others_keep_their_place() {
        let schema =
            "REQUIRED BYTE_ARRAY interface_id (UTF8); REQUIRED INT32 srcport; REQUIRED BYTE_ARRAY action (UTF8);";
        let bytes = file(schema, |at, column| {
            let _ = match at {
                0 => column
                    .typed::<ByteArrayType>()
                    .write_batch(&[ByteArray::from(&b"eni-\xff\xfe1"[..]), ByteArray::from("eni-\u{e9}2")], None, None)
                    .unwrap(),
                1 => column.typed::<Int32Type>().write_batch(&[443, 80], None, None).unwrap(),
                _ => write_actions(column),
            };
        });
        let (result, entries) = read(bytes);
        result.unwrap();
        let fields = |e: &serde_json::Value| (e["interface_id"].clone(), e["srcport"].clone(), e["action"].clone());
        assert_eq!(fields(&entries[0]), ("eni-\u{fffd}\u{fffd}1".into(), 443.into(), "ACCEPT".into()));
        assert_eq!(fields(&entries[1]), ("eni-\u{e9}2".into(), 80.into(), "REJECT".into()));
    }

    #[test]
    fn int96_and_nested_columns_are_clear_errors() {
        let bytes = file("OPTIONAL INT96 start;", |_, column| {
            let mut value = Int96::new();
            value.set_data(1, 2, 3);
            column.typed::<Int96Type>().write_batch(&[value], Some(&DEFINED), None).unwrap();
        });
        let (result, entries) = read(bytes);
        assert!(result.unwrap_err().to_string().contains("column `start` is INT96"));
        assert!(entries.is_empty());
        let bytes = file("REPEATED INT32 srcport;", |_, column| {
            column.typed::<Int32Type>().write_batch(&[1, 2], Some(&[1, 1]), Some(&[0, 1])).unwrap();
        });
        let err = read(bytes).0.unwrap_err().to_string();
        assert!(err.contains("column `srcport` is nested or repeated"), "{err}");
    }
}
