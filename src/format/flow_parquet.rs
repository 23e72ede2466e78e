//! VPC Flow Logs in Parquet (`.parquet`, gzip-compressed pages): read a row at a time across
//! the columns of each row group, each column a page at a time, through a small block cache,
//! so memory stays bounded whatever the file's size. The columns are the field names with `_` for `-`;
//! records are sent as their text form would be (`format::vpcflow`): the default columns as
//! a raw line, other columns as named attributes, so text and Parquet give the same logs.

mod cell;
mod checked_pages;
mod column;
mod crate_column;
mod errors;
mod hybrid;
mod page_column;

use std::borrow::Cow;
use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::SchemaDescriptor;

use self::cell::Cell;
use self::column::{Column, Decoder};
use self::errors::damaged;
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
    read_with(source, scope, sink, Decoder::Pages)
}

/// Reads every row with the columns read by `decoder`.
fn read_with<O: BatchOut>(
    source: Arc<dyn RangeRead>,
    scope: &ObjectScope<'_>,
    sink: &mut EntrySink<O>,
    decoder: Decoder,
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
        let rows = group.metadata().num_rows();
        let rows =
            u64::try_from(rows).map_err(|_| ReadError::Format(format!("Parquet: a row group of {rows} rows")))?;
        columns.clear();
        for (at, descr) in schema.columns().iter().enumerate() {
            columns.push(Column::new(group.as_ref(), at, descr, decoder)?);
        }
        for _ in 0..rows {
            match &format {
                // The line as text lines are sent: `write_flow_line` replaces invalid UTF-8
                // in the pass that escapes it, as per value (the spaces between values are
                // ASCII, so no invalid sequence spans two values). Only `start` is kept.
                FlowFormat::Default => {
                    let mut start = None;
                    next_row(&mut columns, &mut line, |at, cell| {
                        if at == START_FIELD {
                            start = cell.number();
                        }
                    })?;
                    sink.commit(&ctx.rules, &line, |out| write_flow_line(out, ctx, &scope.attrs, &line, start))?;
                }
                FlowFormat::Custom(fields) => {
                    cells.clear();
                    next_row(&mut columns, &mut line, |_, cell| cells.push(cell))?;
                    // One UTF-8 check per row (word-at-a-time for ASCII); values that are
                    // not UTF-8 are replaced only when it fails.
                    let line = match std::str::from_utf8(&line) {
                        Ok(line) => Cow::Borrowed(line),
                        Err(_) => Cow::Owned(lossy_row(&line, &mut cells)),
                    };
                    let values = cells.iter().map(|cell| cell.value(&line));
                    let pairs = fields.iter().zip(values);
                    sink.commit(&ctx.rules, line.as_bytes(), |out| {
                        write_flow_attributes(out, ctx, &scope.attrs, pairs)
                    })?;
                }
            }
        }
        for column in &mut columns {
            column.finish()?;
        }
    }
    Ok(())
}

/// Writes the next row of `columns` into `line` as text lines hold it (values separated by
/// spaces), handing each value's cell to `cell` with its column's position.
#[inline]
fn next_row(columns: &mut [Column], line: &mut Vec<u8>, mut cell: impl FnMut(usize, Cell)) -> Result<(), ReadError> {
    line.clear();
    for (at, column) in columns.iter_mut().enumerate() {
        if at > 0 {
            line.push(b' ');
        }
        cell(at, column.next_into(line)?);
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

    /// What `decoder` reads from `bytes`: the result and the entries sent.
    fn read_by(bytes: Vec<u8>, decoder: Decoder) -> (Result<(), ReadError>, Vec<serde_json::Value>) {
        let ctx = crate::entry::test_support::context();
        let origin = ObjectOrigin { bucket: "b", key: "k" };
        let source = ObjectKind::VpcFlowParquet.source();
        let attrs = crate::entry::ObjectAttrs::new(&ctx, source.ddsource, source.service, Some(origin));
        let scope = ObjectScope { ctx: &ctx, origin, attrs, source };
        let mut sink = EntrySink::new(Vec::new());
        let result = read_with(Arc::new(Memory(bytes)), &scope, &mut sink, decoder);
        let (_, batches, _) = sink.finish();
        let entries = batches
            .iter()
            .flat_map(|b| serde_json::from_slice::<Vec<serde_json::Value>>(&b.raw_body().unwrap()).unwrap())
            .collect();
        (result, entries)
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
    fn default_format_lines_replace_a_value_that_is_not_utf8_as_text_lines_do() {
        let names = ["version", "account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport"];
        let numbers = ["protocol", "packets", "bytes", "start", "end"];
        let schema = format!(
            "{} {} OPTIONAL BYTE_ARRAY action (UTF8); OPTIONAL BYTE_ARRAY log_status (UTF8);",
            names.map(|n| format!("OPTIONAL BYTE_ARRAY {n} (UTF8);")).join(" "),
            numbers.map(|n| format!("OPTIONAL INT64 {n};")).join(" ")
        );
        let text: [&[u8]; 7] = [b"2", b"123456789012", b"eni-\xff\xfe1", b"10.0.0.1", b"10.0.0.2", b"443", b"80"];
        let start = 1_733_300_000;
        let bytes = file(&schema, |at, column| {
            let _ = match at {
                0..=6 => column
                    .typed::<ByteArrayType>()
                    .write_batch(&[ByteArray::from(text[at])], Some(&DEFINED), None)
                    .unwrap(),
                7..=11 => column
                    .typed::<Int64Type>()
                    .write_batch(&[[6, 10, 840, start, start + 60][at - 7]], Some(&DEFINED), None)
                    .unwrap(),
                12 => column.typed::<ByteArrayType>().write_batch(&["ACCEPT".into()], Some(&DEFINED), None).unwrap(),
                _ => column.typed::<ByteArrayType>().write_batch(&["OK".into()], Some(&DEFINED), None).unwrap(),
            };
        });
        let (result, entries) = read(bytes);
        result.unwrap();
        let line = b"2 123456789012 eni-\xff\xfe1 10.0.0.1 10.0.0.2 443 80 6 10 840 1733300000 1733300060 ACCEPT OK";
        assert_eq!(entries[0]["message"], String::from_utf8_lossy(line).as_ref());
        assert_eq!(entries[0]["ddsource"], "vpc");
        assert_eq!(entries[1]["message"], "- - - - - - - - - - - - - -");
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

    /// Flow rows with every kind of value we decode, nulls and repeats, written by `props`.
    fn flows(rows: usize, props: WriterProperties) -> Vec<u8> {
        let schema = "OPTIONAL BYTE_ARRAY interface_id (UTF8); REQUIRED INT32 srcport; \
                      OPTIONAL INT32 dstport (UINT_32); OPTIONAL INT64 packets; REQUIRED BYTE_ARRAY action (UTF8); \
                      OPTIONAL INT64 start;";
        let schema = Arc::new(parse_message_type(&format!("message flow {{ {schema} }}")).unwrap());
        let mut out = Vec::new();
        let mut writer = SerializedFileWriter::new(&mut out, schema, Arc::new(props)).unwrap();
        let defined: Vec<i16> = (0..rows).map(|i| i16::from(i % 7 != 3)).collect();
        let present = |i: &usize| i % 7 != 3;
        let mut group = writer.next_row_group().unwrap();
        let mut at = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            let _ = match at {
                0 => {
                    // Few values (a dictionary) for the first rows, then many (past its limit).
                    let names: Vec<ByteArray> = (0..rows)
                        .filter(present)
                        .map(|i| format!("eni-{:x}", if i < rows / 2 { i % 5 } else { i * 7919 }).as_str().into())
                        .collect();
                    column.typed::<ByteArrayType>().write_batch(&names, Some(&defined), None).unwrap()
                }
                1 => {
                    let ports: Vec<i32> = (0..rows).map(|i| [443, -1, 0, i32::MAX, i as i32][i % 5]).collect();
                    column.typed::<Int32Type>().write_batch(&ports, None, None).unwrap()
                }
                2 => {
                    let ports: Vec<i32> = (0..rows).filter(present).map(|i| [-1, 80, i as i32][i % 3]).collect();
                    column.typed::<Int32Type>().write_batch(&ports, Some(&defined), None).unwrap()
                }
                3 => {
                    let packets: Vec<i64> = (0..rows).filter(present).map(|i| (i as i64) * 1_000_003 - 7).collect();
                    column.typed::<Int64Type>().write_batch(&packets, Some(&defined), None).unwrap()
                }
                4 => {
                    let actions: Vec<ByteArray> =
                        (0..rows).map(|i| ["ACCEPT", "REJECT", "", "caf\u{e9}"][i % 4].into()).collect();
                    column.typed::<ByteArrayType>().write_batch(&actions, None, None).unwrap()
                }
                _ => {
                    let starts: Vec<i64> =
                        (0..rows).filter(present).map(|i| 1_733_300_000 + (i as i64) / 100).collect();
                    column.typed::<Int64Type>().write_batch(&starts, Some(&defined), None).unwrap()
                }
            };
            column.close().unwrap();
            at += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        out
    }

    /// Pages of about `bytes` and dictionaries of half that: many pages per column, and
    /// dictionaries that give way to other encodings part-way through a column.
    fn small_pages(bytes: usize) -> parquet::file::properties::WriterPropertiesBuilder {
        WriterProperties::builder()
            .set_data_page_size_limit(bytes)
            .set_dictionary_page_size_limit(bytes / 2)
            .set_write_batch_size(bytes / 8)
    }

    #[test]
    fn our_page_decoder_sends_what_the_crates_column_reader_sends() {
        use parquet::file::properties::WriterVersion;
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            for dictionary in [true, false] {
                for compression in [Compression::UNCOMPRESSED, Compression::GZIP(Default::default())] {
                    let props = small_pages(512)
                        .set_writer_version(version)
                        .set_dictionary_enabled(dictionary)
                        .set_compression(compression)
                        .build();
                    let bytes = flows(3000, props);
                    let (ours, sent) = read_by(bytes.clone(), Decoder::Pages);
                    let (theirs, expected) = read_by(bytes, Decoder::Crate);
                    let case = format!("{version:?}, dictionary {dictionary}, {compression:?}");
                    ours.unwrap_or_else(|err| panic!("{case}: {err}"));
                    theirs.unwrap();
                    assert_eq!(sent.len(), 3000, "{case}");
                    assert!(sent == expected, "{case}: the decoders differ");
                }
            }
        }
    }

    /// Which decoder reads each column of `bytes`' first row group: true for ours.
    fn decoded_by_us(bytes: Vec<u8>) -> Vec<bool> {
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let group = reader.get_row_group(0).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let columns = schema.columns().iter().enumerate();
        columns
            .map(|(at, descr)| {
                matches!(Column::new(group.as_ref(), at, descr, Decoder::Pages).unwrap(), Column::Pages(..))
            })
            .collect()
    }

    #[test]
    fn flow_log_columns_are_decoded_by_us_others_by_the_crate() {
        use parquet::file::properties::WriterVersion;
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            for dictionary in [true, false] {
                let props = WriterProperties::builder().set_writer_version(version).set_dictionary_enabled(dictionary);
                // Version 2 without a dictionary writes DELTA encodings, which the crate reads.
                let ours = version == WriterVersion::PARQUET_1_0 || dictionary;
                assert_eq!(decoded_by_us(flows(100, props.build())), [ours; 6], "{version:?} {dictionary}");
            }
        }
        let schema = "OPTIONAL FLOAT bytes; OPTIONAL BOOLEAN flag; OPTIONAL INT64 packets (UINT_64);";
        let bytes = file(schema, |at, column| {
            let _ = match at {
                0 => column.typed::<FloatType>().write_batch(&[1.5], Some(&DEFINED), None).unwrap(),
                1 => column.typed::<BoolType>().write_batch(&[true], Some(&DEFINED), None).unwrap(),
                _ => column.typed::<Int64Type>().write_batch(&[-1], Some(&DEFINED), None).unwrap(),
            };
        });
        assert_eq!(decoded_by_us(bytes), [false; 3]);
    }

    #[test]
    fn damage_the_crate_would_panic_on_is_an_error() {
        // Both found by fuzzing: the crate asserts a chunk's offset is not negative, and its
        // dictionary decoder indexes past a damaged dictionary page (here in a column chunk
        // whose listed encodings send it to the crate's reader).
        let cases: [(&[u8], &str); 2] = [
            (
                include_bytes!("../../tests/bad-input/objects/parquet-negative-chunk-offset.parquet"),
                "a column chunk at a negative offset",
            ),
            (
                include_bytes!("../../tests/bad-input/objects/parquet-damaged-dictionary-page.parquet"),
                "a dictionary page ends before its values",
            ),
        ];
        for (bytes, damage) in cases {
            for decoder in [Decoder::Pages, Decoder::Crate] {
                let (result, _) = read_by(bytes.to_vec(), decoder);
                let err = result.unwrap_err().to_string();
                assert!(err.contains(damage), "{decoder:?}: {err}");
            }
        }
    }

    /// Writes the `flow_parquet_reader` fuzz target's seeds: small files of every page form we
    /// decode (`cargo test --lib -- --ignored write_flow_parquet_fuzz_seeds`).
    #[test]
    #[ignore = "writes fuzz/seeds; run by hand when the reader's page forms change"]
    fn write_flow_parquet_fuzz_seeds() {
        use parquet::file::properties::WriterVersion;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/flow_parquet_reader");
        std::fs::create_dir_all(&dir).unwrap();
        let forms = [
            ("v1-dictionary", WriterVersion::PARQUET_1_0, true, Compression::UNCOMPRESSED),
            ("v1-plain", WriterVersion::PARQUET_1_0, false, Compression::UNCOMPRESSED),
            ("v2-dictionary", WriterVersion::PARQUET_2_0, true, Compression::UNCOMPRESSED),
            ("v1-dictionary-gzip", WriterVersion::PARQUET_1_0, true, Compression::GZIP(Default::default())),
        ];
        for (name, version, dictionary, compression) in forms {
            // PLAIN where a dictionary gives way (version 2 would write DELTA encodings, which
            // the crate decodes, not us).
            let props = small_pages(256)
                .set_writer_version(version)
                .set_dictionary_enabled(dictionary)
                .set_encoding(parquet::basic::Encoding::PLAIN);
            let bytes = flows(40, props.set_compression(compression).build());
            std::fs::write(dir.join(format!("{name}.parquet")), bytes).unwrap();
        }
    }

    #[test]
    fn damaged_pages_are_errors_never_panics_and_never_other_rows() {
        let bytes = flows(200, small_pages(256).build());
        let (_, whole) = read_by(bytes.clone(), Decoder::Pages);
        // Every byte of the file changed in turn (uncompressed, so damage reaches the pages):
        // where both decoders read the damaged file, they send the same logs.
        let (mut ours_failed, mut both_read) = (0, 0);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            let (ours, sent) = read_by(damaged.clone(), Decoder::Pages);
            // The crate's column reader would panic on some of these (a damaged dictionary
            // page); `CheckedPages` refuses them first.
            let (theirs, expected) = read_by(damaged, Decoder::Crate);
            match (ours, theirs) {
                (Ok(()), Ok(())) => {
                    both_read += 1;
                    assert!(sent == expected, "byte {at}: the decoders differ");
                }
                (Err(_), _) => ours_failed += 1,
                (Ok(()), Err(err)) => assert!(sent.len() <= whole.len(), "byte {at}: {err}"),
            }
        }
        assert!(ours_failed > 0 && both_read > 0, "{ours_failed} failed, {both_read} read by both");
    }
}
