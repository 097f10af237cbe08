//! Batches that do not fit the table fail with a typed error naming the
//! column, before anything is uploaded or committed.

mod common;

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, LargeStringArray, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use lakeseek_table::{Catalog, Table, TableError};
use lakeseek_testkit::{batch, batch_with_dim};

use common::*;

/// `batch(start, rows)` with column `k` replaced (or removed) and extra
/// columns added.
fn reshape(
    start: i64,
    rows: usize,
    k: Option<ArrayRef>,
    extra: &[(&str, ArrayRef)],
) -> RecordBatch {
    let base = batch(start, rows);
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in base.schema().fields().iter().zip(base.columns()) {
        if field.name() == "k" {
            if let Some(k) = &k {
                fields.push(Field::new("k", k.data_type().clone(), true));
                columns.push(k.clone());
            }
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    for (name, column) in extra {
        fields.push(Field::new(*name, column.data_type().clone(), true));
        columns.push(column.clone());
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// Checks that `bad` fails as `expect` says and that the table is unchanged.
async fn rejected(
    db: &Catalog,
    table: &Table,
    bad: &RecordBatch,
    expect: impl Fn(&TableError) -> bool,
) {
    let before = table.refresh().await.unwrap();
    let files = data_files(db, table.name()).await;
    let err = table.append(bad).await.unwrap_err();
    assert!(expect(&err), "unexpected error {err:?}");
    let after = db.open_table(table.name()).await.unwrap().snapshot();
    assert_eq!(after, before, "a rejected append changed the table");
    assert_eq!(
        data_files(db, table.name()).await,
        files,
        "a rejected append uploaded data"
    );
}

#[tokio::test]
async fn bad_batches_are_typed_errors_and_commit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let table = create(&db, "t").await;
    table.append(&batch(0, 10)).await.unwrap();

    // Wrong type: a string key, a float key.
    let strings: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
    rejected(&db, &table, &reshape(10, 3, Some(strings), &[]), |e| {
        matches!(e, TableError::Schema { column, detail } if column == "k" && detail.contains("Int64"))
    })
    .await;
    let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]));
    rejected(
        &db,
        &table,
        &reshape(10, 3, Some(floats), &[]),
        |e| matches!(e, TableError::Schema { column, .. } if column == "k"),
    )
    .await;

    // Missing column.
    rejected(&db, &table, &reshape(10, 3, None, &[]), |e| {
        matches!(e, TableError::Schema { column, detail } if column == "k" && detail.contains("missing"))
    })
    .await;

    // Extra column.
    let extra: ArrayRef = Arc::new(Int64Array::from(vec![7, 8, 9]));
    rejected(
        &db,
        &table,
        &reshape(
            10,
            3,
            Some(Arc::new(Int64Array::from(vec![10, 11, 12]))),
            &[("extra", extra)],
        ),
        |e| matches!(e, TableError::Schema { column, .. } if column == "extra"),
    )
    .await;

    // Nulls in the non-nullable key.
    let with_nulls: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3), None]));
    rejected(
        &db,
        &table,
        &reshape(10, 4, Some(with_nulls), &[]),
        |e| matches!(e, TableError::NullInNonNullable { column, nulls: 2 } if column == "k"),
    )
    .await;

    // Vectors of the wrong dimension, shorter and longer.
    for dim in [3, 5] {
        rejected(&db, &table, &batch_with_dim(10, 3, dim), |e| {
            matches!(
                e,
                TableError::VectorDimension { column, expected: 4, found } if column == "v" && *found == dim as usize
            )
        })
        .await;
    }

    // Lossless widening is accepted (so the rejections above are about the
    // data, not about any difference at all): Int32 keys, LargeUtf8 strings,
    // columns in another order, a nullable field holding no nulls.
    let narrow: ArrayRef = Arc::new(Int32Array::from(vec![10, 11, 12]));
    let widened = reshape(10, 3, Some(narrow), &[]);
    let large: ArrayRef = Arc::new(LargeStringArray::from(vec!["x", "y", "z"]));
    let reordered = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            widened.schema().field(2).clone(),
            Field::new("s", DataType::LargeUtf8, true),
            widened.schema().field(0).clone(),
        ])),
        vec![widened.column(2).clone(), large, widened.column(0).clone()],
    )
    .unwrap();
    let snapshot = table.append(&reordered).await.unwrap();
    assert_eq!((snapshot.version, snapshot.rows()), (2, 13));
    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(keys, (0..13).collect::<Vec<_>>());
    assert_dense(&ids);
}

#[tokio::test]
async fn a_bad_batch_mid_transaction_publishes_nothing() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    table.append(&batch(0, 4)).await.unwrap();

    let mut writer = table.writer("append");
    writer.write(&batch(4, 4)).await.unwrap();
    writer.write(&batch(8, 4)).await.unwrap();
    let err = writer.write(&batch_with_dim(12, 4, 2)).await.unwrap_err();
    assert!(matches!(err, TableError::VectorDimension { .. }), "{err:?}");
    assert_eq!(writer.rows(), 8, "the rejected batch is not buffered");
    drop(writer);

    let (snapshot, keys, _) = latest(&db, "t").await;
    assert_eq!((snapshot.version, keys.len()), (1, 4));

    // The next transaction's ids follow on: nothing was used up.
    table.append(&batch(100, 3)).await.unwrap();
    let (_, keys, ids) = latest(&db, "t").await;
    assert_eq!(keys, [0, 1, 2, 3, 100, 101, 102]);
    assert_eq!(ids, (0..7).collect::<Vec<u64>>());
}

#[tokio::test]
async fn non_finite_vector_components_are_refused() {
    use arrow::array::{Array, AsArray, FixedSizeListArray, Float32Array};
    use arrow::datatypes::Float32Type;
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let table = create(&db, "t").await;
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let good = batch(0, 3);
        let list = good.column(2).as_fixed_size_list();
        let mut values = list
            .values()
            .as_primitive::<Float32Type>()
            .values()
            .to_vec();
        let dim = list.value_length() as usize;
        values[dim + 1] = bad; // row 1, component 1
        let DataType::FixedSizeList(item, n) = list.data_type().clone() else {
            unreachable!()
        };
        let vectors =
            FixedSizeListArray::try_new(item, n, Arc::new(Float32Array::from(values)), None)
                .unwrap();
        let mut columns = good.columns().to_vec();
        columns[2] = Arc::new(vectors);
        let poisoned = RecordBatch::try_new(good.schema(), columns).unwrap();
        let err = table.append(&poisoned).await.unwrap_err();
        assert!(
            matches!(&err, TableError::Schema { column, detail } if column == "v" && detail.contains("row 1") && detail.contains("index 1")),
            "{err:?}"
        );
    }
    assert_eq!(
        table.refresh().await.unwrap().version,
        0,
        "nothing committed"
    );
}
