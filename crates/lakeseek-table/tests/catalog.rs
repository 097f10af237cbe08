//! Creating, opening, listing and dropping tables, on `memory://` and on a
//! local directory.

mod common;

use arrow::datatypes::{DataType, Field, Schema};
use lakeseek_table::{Catalog, Metric, TableError, TableOptions};
use lakeseek_testkit::{batch, schema};

use common::*;

async fn lifecycle(db: &Catalog) {
    assert!(db.list_tables().await.unwrap().is_empty());
    for name in ["orders", "docs", "_private"] {
        let t = create(db, name).await;
        assert_eq!(t.name(), name);
        assert_eq!(t.snapshot().version, 0);
    }
    assert_eq!(
        db.list_tables().await.unwrap(),
        ["_private", "docs", "orders"]
    );

    // A second create fails and leaves the first table as it was.
    let docs = db.open_table("docs").await.unwrap();
    docs.append(&batch(0, 5)).await.unwrap();
    let err = db
        .create_table("docs", schema(), TableOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::TableExists(n) if n == "docs"),
        "{err:?}"
    );
    let (snapshot, keys, _) = latest(db, "docs").await;
    assert_eq!(snapshot.version, 1);
    assert_eq!(keys, [0, 1, 2, 3, 4]);
    assert_eq!(
        snapshot.metadata.options.vector_columns[0].metric,
        Metric::L2
    );

    // Opening reads the stored schema and options.
    let opened = db.open_table("orders").await.unwrap();
    assert_eq!(opened.schema().as_ref(), &schema());
    assert_eq!(opened.metadata().options.vector_columns.len(), 1);
    assert_eq!(opened.snapshot().rows(), 0);

    let err = db.open_table("missing").await.unwrap_err();
    assert!(
        matches!(&err, TableError::TableNotFound(n) if n == "missing"),
        "{err:?}"
    );
    assert!(db.table_exists("docs").await.unwrap());
    assert!(!db.table_exists("missing").await.unwrap());

    // Directories that hold no table are not tables.
    db.store().put("notatable/file", "x".into()).await.unwrap();
    db.store()
        .put(
            &lakeseek_table::version_object_path("halfway", 1),
            "{}".into(),
        )
        .await
        .unwrap();
    assert_eq!(
        db.list_tables().await.unwrap(),
        ["_private", "docs", "orders"]
    );

    // Drop removes the table and every object under it, and only those.
    db.drop_table("docs").await.unwrap();
    assert_eq!(db.list_tables().await.unwrap(), ["_private", "orders"]);
    assert!(db.store().list("docs/").await.unwrap().is_empty());
    assert!(!db.store().list("orders/").await.unwrap().is_empty());
    let err = db.open_table("docs").await.unwrap_err();
    assert!(matches!(err, TableError::TableNotFound(_)), "{err:?}");
    let err = db.drop_table("docs").await.unwrap_err();
    assert!(
        matches!(&err, TableError::TableNotFound(n) if n == "docs"),
        "{err:?}"
    );

    // A table created again under a dropped name starts empty.
    let again = create(db, "docs").await;
    assert_eq!(again.snapshot().version, 0);
    let (snapshot, keys, _) = latest(db, "docs").await;
    assert_eq!((snapshot.version, keys.len()), (0, 0));
}

#[tokio::test]
async fn lifecycle_in_memory() {
    lifecycle(&Catalog::connect("memory://", &no_options()).unwrap()).await;
}

#[tokio::test]
async fn lifecycle_on_local_dir() {
    let dir = tempfile::tempdir().unwrap();
    lifecycle(&local(dir.path())).await;
    // Another connection to the same directory sees the same tables.
    let other = local(dir.path());
    assert_eq!(
        other.list_tables().await.unwrap(),
        ["_private", "docs", "orders"]
    );
}

#[tokio::test]
async fn invalid_names_are_rejected_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let db = local(dir.path());
    let long = "a".repeat(129);
    for name in [
        "", "1abc", "a-b", "a b", "a/b", "../x", "x.y", "é", "tab\t", &long,
    ] {
        let invalid =
            |e: &TableError| matches!(e, TableError::InvalidName { name: n, .. } if n == name);
        let err = db
            .create_table(name, schema(), TableOptions::default())
            .await
            .unwrap_err();
        assert!(invalid(&err), "create {name:?}: {err:?}");
        let err = db.open_table(name).await.unwrap_err();
        assert!(invalid(&err), "open {name:?}: {err:?}");
        let err = db.drop_table(name).await.unwrap_err();
        assert!(invalid(&err), "drop {name:?}: {err:?}");
        assert!(!db.table_exists(name).await.unwrap(), "{name:?}");
    }
    // Nothing was written for any of them.
    assert!(db.store().list("").await.unwrap().is_empty());

    // The limits themselves are fine.
    for name in ["a", "_", "A_9", &"a".repeat(128)] {
        create(&db, name).await;
    }
    assert_eq!(db.list_tables().await.unwrap().len(), 4);
}

#[tokio::test]
async fn invalid_schemas_and_options_create_nothing() {
    let db = Catalog::connect("memory://", &no_options()).unwrap();
    let int = |name: &str| Field::new(name, DataType::Int64, false);

    let err = db
        .create_table("t", Schema::new(vec![int("_id")]), TableOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Schema { column, .. } if column == "_id"),
        "{err:?}"
    );

    let err = db
        .create_table(
            "t",
            Schema::new(vec![int("k"), int("K")]),
            TableOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Schema { column, .. } if column == "K"),
        "{err:?}"
    );

    let err = db
        .create_table("t", Schema::empty(), TableOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, TableError::Schema { .. }), "{err:?}");

    // The declared vector dimension must match the column's.
    let err = db
        .create_table(
            "t",
            schema(),
            TableOptions::default().with_vector("v", 8, Metric::Cosine),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            TableError::VectorDimension { column, expected: 8, found: 4 } if column == "v"
        ),
        "{err:?}"
    );
    // A vector column must be a list of f32; a text column a string.
    let err = db
        .create_table(
            "t",
            schema(),
            TableOptions::default().with_vector("s", 4, Metric::Cosine),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Schema { column, .. } if column == "s"),
        "{err:?}"
    );
    let err = db
        .create_table("t", schema(), TableOptions::default().with_text("k"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Schema { column, .. } if column == "k"),
        "{err:?}"
    );
    let err = db
        .create_table("t", schema(), TableOptions::default().with_text("nope"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TableError::Schema { column, .. } if column == "nope"),
        "{err:?}"
    );

    assert!(!db.table_exists("t").await.unwrap());
    assert!(db.store().list("").await.unwrap().is_empty());

    // And the valid declaration works.
    db.create_table("t", schema(), TableOptions::default().with_text("s"))
        .await
        .unwrap();
    assert!(db.table_exists("t").await.unwrap());
}
