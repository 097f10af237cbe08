//! One conformance suite for [`Store`], run against every backend LakeSeek
//! supports in tests: `memory://`, a local directory and S3 (moto).
//!
//! Each check gets its own root, so checks never see each other's objects.
//! A root hands out store handles that see the same objects; on local disk
//! and S3 each handle is a separate `Store::open`, so the checks also show
//! that what one connection writes another reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use lakeseek_store::{Store, StoreError};
use lakeseek_testkit::MotoServer;

enum Kind<'a> {
    Memory,
    Local(PathBuf),
    S3(&'a MotoServer),
}

struct Backend<'a> {
    label: &'static str,
    kind: Kind<'a>,
}

/// A database root on a backend.
struct Root {
    uri: String,
    options: HashMap<String, String>,
    /// `memory://` stores live in their handle, so every open shares one.
    shared: Option<Store>,
}

impl Root {
    fn open(&self) -> Store {
        match &self.shared {
            Some(store) => store.clone(),
            None => Store::open(&self.uri, &self.options)
                .unwrap_or_else(|e| panic!("opening {}: {e}", self.uri)),
        }
    }
}

impl Backend<'_> {
    fn root(&self, name: &str) -> Root {
        match &self.kind {
            Kind::Memory => Root {
                uri: "memory://".into(),
                options: HashMap::new(),
                shared: Some(Store::open("memory://", &HashMap::new()).unwrap()),
            },
            Kind::Local(dir) => Root {
                uri: dir.join(name).to_str().unwrap().to_string(),
                options: HashMap::new(),
                shared: None,
            },
            Kind::S3(server) => Root {
                uri: server.uri(&format!("conformance/{name}")),
                options: server.options(),
                shared: None,
            },
        }
    }
}

/// Deterministic, non-repeating-looking payload.
fn payload(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| ((i * 31 + 7 + seed as usize) % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

async fn suite(b: &Backend<'_>) {
    round_trip(b).await;
    get_range(b).await;
    head(b).await;
    put_if_absent(b).await;
    concurrent_put_if_absent(b).await;
    not_found(b).await;
    list_and_list_after(b).await;
    list_dirs(b).await;
    delete(b).await;
    counters(b).await;
}

async fn round_trip(b: &Backend<'_>) {
    let root = b.root("round_trip");
    let (writer, reader) = (root.open(), root.open());
    let data = payload(10_000, 1);
    writer.put("obj/a.bin", data.clone()).await.unwrap();
    assert_eq!(reader.get("obj/a.bin").await.unwrap(), data, "{}", b.label);

    // put replaces.
    let other = payload(333, 2);
    writer.put("obj/a.bin", other.clone()).await.unwrap();
    assert_eq!(reader.get("obj/a.bin").await.unwrap(), other, "{}", b.label);

    // Empty objects exist and are empty.
    writer.put("obj/empty", Bytes::new()).await.unwrap();
    assert_eq!(
        reader.get("obj/empty").await.unwrap().len(),
        0,
        "{}",
        b.label
    );
    assert_eq!(
        reader.head("obj/empty").await.unwrap().size,
        0,
        "{}",
        b.label
    );
}

async fn get_range(b: &Backend<'_>) {
    let root = b.root("get_range");
    let store = root.open();
    let data = payload(100, 3);
    store.put("r/obj", data.clone()).await.unwrap();
    for range in [0..10u64, 37..38, 90..100, 0..100] {
        let got = store.get_range("r/obj", range.clone()).await.unwrap();
        assert_eq!(
            got,
            data.slice(range.start as usize..range.end as usize),
            "{}: {range:?}",
            b.label
        );
    }
    // Past the end, whether partly (a store would give a short read) or
    // wholly, is OutOfRange naming the object's real length.
    for range in [90..101u64, 99..200, 100..101, 150..160] {
        match store.get_range("r/obj", range.clone()).await {
            Err(StoreError::OutOfRange {
                path,
                start,
                end,
                len,
            }) => {
                assert_eq!(path, "r/obj", "{}", b.label);
                assert_eq!(
                    (start, end, len),
                    (range.start, range.end, 100),
                    "{}",
                    b.label
                );
            }
            other => panic!("{}: range {range:?} of 100 bytes gave {other:?}", b.label),
        }
    }
}

async fn head(b: &Backend<'_>) {
    let root = b.root("head");
    let store = root.open();
    for (i, len) in [1usize, 17, 4096, 70_001].into_iter().enumerate() {
        let path = format!("h/{i}");
        store.put(&path, payload(len, i as u8)).await.unwrap();
        let meta = root.open().head(&path).await.unwrap();
        assert_eq!(meta.size, len as u64, "{}: {path}", b.label);
    }
}

async fn put_if_absent(b: &Backend<'_>) {
    let root = b.root("put_if_absent");
    let store = root.open();
    store
        .put_if_absent("v/0001.json", Bytes::from_static(b"first"))
        .await
        .unwrap();
    let err = root
        .open()
        .put_if_absent("v/0001.json", Bytes::from_static(b"second"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { path } if path == "v/0001.json"),
        "{}: {err:?}",
        b.label
    );
    assert!(!err.is_transient(), "{}", b.label);
    assert_eq!(
        store.get("v/0001.json").await.unwrap(),
        "first",
        "{}",
        b.label
    );

    // An object written by a plain put also blocks put_if_absent.
    store
        .put("v/0002.json", Bytes::from_static(b"plain"))
        .await
        .unwrap();
    let err = store
        .put_if_absent("v/0002.json", Bytes::from_static(b"cond"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { .. }),
        "{}: {err:?}",
        b.label
    );
    assert_eq!(
        store.get("v/0002.json").await.unwrap(),
        "plain",
        "{}",
        b.label
    );
}

async fn concurrent_put_if_absent(b: &Backend<'_>) {
    const WRITERS: usize = 8;
    let root = b.root("concurrent");
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let store = root.open();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let body = Bytes::from(format!("writer {i}"));
                store
                    .put_if_absent("log/00000000000000000001.json", body)
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(()) => winners.push(i),
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("{}: writer {i} failed with {e:?}", b.label),
        }
    }
    assert_eq!(winners.len(), 1, "{}: winners {winners:?}", b.label);
    let stored = root
        .open()
        .get("log/00000000000000000001.json")
        .await
        .unwrap();
    assert_eq!(stored, format!("writer {}", winners[0]), "{}", b.label);
}

async fn not_found(b: &Backend<'_>) {
    let root = b.root("not_found");
    let store = root.open();
    store.put("nf/present", payload(5, 0)).await.unwrap();
    let is_not_found = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound { ref path }) if path == "nf/missing");
    assert!(
        is_not_found(store.get("nf/missing").await.map(drop)),
        "{}: get",
        b.label
    );
    assert!(
        is_not_found(store.get_range("nf/missing", 0..1).await.map(drop)),
        "{}: get_range",
        b.label
    );
    assert!(
        is_not_found(store.head("nf/missing").await.map(drop)),
        "{}: head",
        b.label
    );
    let err = store.get("nf/missing").await.unwrap_err();
    assert!(!err.is_transient(), "{}", b.label);
    // Deleting a missing object is not an error.
    store.delete("nf/missing").await.unwrap();
}

async fn list_and_list_after(b: &Backend<'_>) {
    let root = b.root("list");
    let store = root.open();
    let keys = [
        "l/v/00000000000000000010.json",
        "l/b",
        "l/v/00000000000000000002.json",
        "l/a",
        "l/c/e",
        "l/c/d",
        "l/v/00000000000000000001.json",
    ];
    for (i, key) in keys.iter().enumerate() {
        store.put(key, payload(i + 1, i as u8)).await.unwrap();
    }
    // Siblings that share the string prefix but not the directory.
    store.put("lx/keep", payload(1, 0)).await.unwrap();
    store.put("l_also", payload(1, 0)).await.unwrap();

    let mut sorted: Vec<&str> = keys.to_vec();
    sorted.sort();
    let reader = root.open();
    for prefix in ["l/", "l"] {
        let listed = reader.list(prefix).await.unwrap();
        let paths: Vec<&str> = listed.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, sorted, "{}: list({prefix:?})", b.label);
        for (path, meta) in &listed {
            let i = keys.iter().position(|k| k == path).unwrap();
            assert_eq!(meta.size, i as u64 + 1, "{}: size of {path}", b.label);
        }
    }

    let after = |offset: &'static str| {
        let reader = reader.clone();
        async move { reader.list_after("l/", offset).await.unwrap() }
    };
    assert_eq!(
        after("l/b").await,
        [
            "l/c/d",
            "l/c/e",
            "l/v/00000000000000000001.json",
            "l/v/00000000000000000002.json",
            "l/v/00000000000000000010.json"
        ],
        "{}",
        b.label
    );
    // Offsets need not exist; the log uses the version just loaded.
    assert_eq!(
        after("l/v/00000000000000000001.json").await,
        [
            "l/v/00000000000000000002.json",
            "l/v/00000000000000000010.json"
        ],
        "{}",
        b.label
    );
    assert_eq!(
        reader
            .list_after("l/v/", "l/v/00000000000000000005.json")
            .await
            .unwrap(),
        ["l/v/00000000000000000010.json"],
        "{}",
        b.label
    );
    assert!(
        after("l/v/00000000000000000010.json").await.is_empty(),
        "{}",
        b.label
    );
    assert!(
        reader.list("nothing/").await.unwrap().is_empty(),
        "{}",
        b.label
    );
    assert!(
        reader
            .list_after("nothing/", "nothing/a")
            .await
            .unwrap()
            .is_empty(),
        "{}",
        b.label
    );
}

async fn list_dirs(b: &Backend<'_>) {
    let root = b.root("list_dirs");
    let store = root.open();
    for key in ["beta/y/z", "alpha/x", "top.txt", "beta/w", "gamma/1/2/3"] {
        store.put(key, payload(3, 0)).await.unwrap();
    }
    let reader = root.open();
    assert_eq!(
        reader.list_dirs("").await.unwrap(),
        ["alpha", "beta", "gamma"],
        "{}",
        b.label
    );
    assert_eq!(
        reader.list_dirs("beta/").await.unwrap(),
        ["y"],
        "{}",
        b.label
    );
    assert_eq!(
        reader.list_dirs("gamma").await.unwrap(),
        ["1"],
        "{}",
        b.label
    );
    assert!(
        reader.list_dirs("alpha/").await.unwrap().is_empty(),
        "{}",
        b.label
    );
}

async fn delete(b: &Backend<'_>) {
    let root = b.root("delete");
    let store = root.open();
    store.put("d/one", payload(4, 0)).await.unwrap();
    store.put("d/sub/two", payload(4, 1)).await.unwrap();
    store.put("d/sub/three", payload(4, 2)).await.unwrap();
    store.put("dx/keep", payload(4, 3)).await.unwrap();
    store.put("keep", payload(4, 4)).await.unwrap();

    store.delete("d/one").await.unwrap();
    assert!(
        matches!(
            root.open().get("d/one").await,
            Err(StoreError::NotFound { .. })
        ),
        "{}",
        b.label
    );
    assert_eq!(store.delete_prefix("d/").await.unwrap(), 2, "{}", b.label);
    assert!(store.list("d/").await.unwrap().is_empty(), "{}", b.label);
    let left: Vec<String> = store
        .list("")
        .await
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(left, ["dx/keep", "keep"], "{}", b.label);
    assert_eq!(store.delete_prefix("d/").await.unwrap(), 0, "{}", b.label);
}

async fn counters(b: &Backend<'_>) {
    let root = b.root("counters");
    let store = root.open();
    let c = store.counters().clone();
    let start = c.snapshot();
    store.put("c/obj", payload(123, 0)).await.unwrap();
    let s1 = c.snapshot().since(&start);
    assert_eq!((s1.puts, s1.bytes_written), (1, 123), "{}: {s1:?}", b.label);
    assert_eq!((s1.gets, s1.bytes_read), (0, 0), "{}: {s1:?}", b.label);

    let before = c.snapshot();
    store.get("c/obj").await.unwrap();
    store.get_range("c/obj", 10..20).await.unwrap();
    let s2 = c.snapshot().since(&before);
    assert_eq!((s2.gets, s2.bytes_read), (2, 133), "{}: {s2:?}", b.label);
    assert_eq!(s2.puts, 0, "{}", b.label);

    // A HEAD is a request but reads no bytes.
    let before = c.snapshot();
    store.head("c/obj").await.unwrap();
    let s3 = c.snapshot().since(&before);
    assert_eq!(s3.bytes_read, 0, "{}: {s3:?}", b.label);

    let before = c.snapshot();
    store.list("c/").await.unwrap();
    store.list_after("c/", "c/a").await.unwrap();
    store.list_dirs("").await.unwrap();
    let s4 = c.snapshot().since(&before);
    assert_eq!(s4.lists, 3, "{}: {s4:?}", b.label);

    // Counters are per connection and shared by clones.
    let before = c.snapshot();
    store.clone().get("c/obj").await.unwrap();
    assert_eq!(c.snapshot().since(&before).gets, 1, "{}", b.label);
    if root.shared.is_none() {
        let before = c.snapshot();
        let other = root.open();
        other.get("c/obj").await.unwrap();
        assert_eq!(other.counters().snapshot().gets, 1, "{}", b.label);
        assert_eq!(c.snapshot(), before, "{}", b.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory() {
    suite(&Backend {
        label: "memory",
        kind: Kind::Memory,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_dir() {
    let dir = tempfile::tempdir().unwrap();
    suite(&Backend {
        label: "local",
        kind: Kind::Local(dir.path().to_path_buf()),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_moto() {
    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap();
    suite(&Backend {
        label: "s3",
        kind: Kind::S3(&server),
    })
    .await;
}

/// A root given as `file://` reaches the same objects as the plain path.
#[tokio::test]
async fn file_uri_is_the_local_path() {
    let dir = tempfile::tempdir().unwrap();
    let plain = Store::open(dir.path().to_str().unwrap(), &HashMap::new()).unwrap();
    let file_uri = format!("file://{}", dir.path().display());
    let via_uri = Store::open(&file_uri, &HashMap::new()).unwrap();
    plain.put("x/y", payload(9, 9)).await.unwrap();
    assert_eq!(via_uri.get("x/y").await.unwrap(), payload(9, 9));
    assert!(Path::new(&dir.path().join("x/y")).is_file());
}
