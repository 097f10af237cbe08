//! Segments round-trip rows and sections, and corrupt bytes are errors.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int64Array, StringArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use lakeseek_segment::{write_segment, Section, SegmentError, SegmentReader, SegmentWriteOptions};
use proptest::prelude::*;

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("_id", DataType::UInt64, false),
        Field::new("n", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
        Field::new(
            "v",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, true)), 3),
            true,
        ),
    ]))
}

fn batch(start: u64, rows: usize) -> RecordBatch {
    let ids: ArrayRef = Arc::new(UInt64Array::from_iter_values(start..start + rows as u64));
    let n: ArrayRef = Arc::new(Int64Array::from_iter((0..rows).map(|i| {
        if i % 7 == 3 {
            None
        } else {
            Some(i as i64 * 3 - 10)
        }
    })));
    let s: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..rows).map(|i| format!("row {}", start + i as u64)),
    ));
    let values = Float32Array::from_iter_values((0..rows * 3).map(|i| i as f32 * 0.5));
    let v: ArrayRef = Arc::new(FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        3,
        Arc::new(values),
        None,
    ));
    RecordBatch::try_new(schema(), vec![ids, n, s, v]).unwrap()
}

fn encode(rows: usize, sections: &[Section]) -> Bytes {
    let batches = vec![
        batch(0, rows / 2),
        batch((rows / 2) as u64, rows - rows / 2),
    ];
    write_segment(
        &schema(),
        &batches,
        sections,
        &SegmentWriteOptions::default(),
    )
    .unwrap()
    .bytes
}

#[test]
fn rows_and_sections_round_trip() {
    let sections = vec![
        Section {
            name: "text:s".into(),
            bytes: Bytes::from_static(b"postings go here"),
        },
        Section {
            name: "vector:v".into(),
            bytes: Bytes::from(vec![7u8; 1000]),
        },
    ];
    let bytes = encode(2500, &sections);
    let reader = SegmentReader::open(bytes).unwrap();
    assert_eq!(reader.rows(), 2500);
    let batches = reader.read(None).unwrap();
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(total, 2500);
    let all = arrow::compute::concat_batches(&schema(), &batches).unwrap();
    let expected =
        arrow::compute::concat_batches(&schema(), &[batch(0, 1250), batch(1250, 1250)]).unwrap();
    assert_eq!(all, expected);
    assert_eq!(
        reader.section("text:s").unwrap(),
        Bytes::from_static(b"postings go here")
    );
    assert_eq!(reader.section("vector:v").unwrap().len(), 1000);
    assert!(matches!(
        reader.section("nope"),
        Err(SegmentError::NoSuchSection(_))
    ));
    let projected = reader.read(Some(&[2])).unwrap();
    assert_eq!(projected[0].num_columns(), 1);
    assert!(matches!(
        reader.read(Some(&[9])),
        Err(SegmentError::InvalidInput(_))
    ));
}

#[test]
fn corrupt_section_fails_its_checksum() {
    let sections = vec![Section {
        name: "x".into(),
        bytes: Bytes::from(vec![1u8; 64]),
    }];
    let bytes = encode(100, &sections);
    let reader = SegmentReader::open(bytes.clone()).unwrap();
    let offset = reader.footer().sections[0].offset as usize;
    let mut broken = bytes.to_vec();
    broken[offset + 5] ^= 0xff;
    let reader = SegmentReader::open(Bytes::from(broken)).unwrap();
    assert!(matches!(
        reader.section("x"),
        Err(SegmentError::ChecksumMismatch { .. })
    ));
}

#[test]
fn plain_parquet_is_not_a_segment() {
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, schema(), None).unwrap();
    w.write(&batch(0, 10)).unwrap();
    w.close().unwrap();
    let err = SegmentReader::open(Bytes::from(buf)).unwrap_err();
    assert!(matches!(err, SegmentError::NotASegment { .. }), "{err}");
}

/// Opens and fully reads `bytes`; any outcome but a panic is acceptable.
fn read_everything(bytes: Bytes) -> Result<(), SegmentError> {
    let reader = SegmentReader::open(bytes)?;
    reader.read(None)?;
    for s in reader.footer().sections.clone() {
        reader.section(&s.name)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn truncated_segments_are_errors(cut in 0usize..4000) {
        let bytes = encode(300, &[Section { name: "x".into(), bytes: Bytes::from(vec![3u8; 200]) }]);
        let cut = cut % bytes.len();
        prop_assert!(read_everything(bytes.slice(..cut)).is_err());
    }

    #[test]
    fn corrupted_segments_never_panic(flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..8)) {
        let bytes = encode(300, &[Section { name: "x".into(), bytes: Bytes::from(vec![3u8; 200]) }]);
        let mut broken = bytes.to_vec();
        for (pos, mask) in flips {
            let i = pos % broken.len();
            broken[i] ^= mask;
        }
        let _ = read_everything(Bytes::from(broken));
    }
}
