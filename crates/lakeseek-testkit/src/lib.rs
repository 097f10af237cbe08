//! Test helpers shared by the LakeSeek crates. A dev-dependency only: nothing
//! here belongs in a release build.
//!
//! - [`MotoServer`]: a throwaway S3 endpoint (moto) with one bucket, stopped
//!   when the value is dropped.
//! - [`schema`], [`batch`] and friends: deterministic Arrow data with an
//!   integer key, a string and a 4-dimensional `f32` vector.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arrow::array::{
    Array, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// How long [`MotoServer::start`] waits for the server to answer.
const START_TIMEOUT: Duration = Duration::from_secs(20);

const INSTALL_HINT: &str = "the S3 tests need moto's server: run the README's test command, \
`bash scripts/test.sh`, which installs `moto[server]` from scripts/test-requirements.txt \
(or `pip install 'moto[server]'` yourself), and make sure `moto_server` is on PATH";

/// Ports handed out in this process, so parallel tests never share one.
fn ports_in_use() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(Default::default)
}

/// A free local port: bind port 0, note the port, release it.
fn free_port() -> u16 {
    let mut used = ports_in_use().lock().expect("port set");
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("binding 127.0.0.1:0")
            .port();
        if used.insert(port) {
            return port;
        }
    }
}

/// A `moto_server` child process serving S3 on 127.0.0.1 with one bucket.
/// Dropping it kills the process.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    bucket: String,
    log: PathBuf,
}

impl MotoServer {
    /// Name of the bucket every server creates.
    pub const BUCKET: &'static str = "lakeseek-test";

    /// Starts `moto_server` on a free port and creates [`Self::BUCKET`].
    /// Panics (killing the child) if moto is missing or does not answer
    /// within 20 seconds.
    pub fn start() -> MotoServer {
        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("lakeseek-moto-{}-{port}.log", std::process::id()));
        let out = File::create(&log).expect("creating the moto log file");
        let err = out.try_clone().expect("cloning the moto log file");
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_file(&log);
                if e.kind() == std::io::ErrorKind::NotFound {
                    panic!("moto_server was not found: {INSTALL_HINT}")
                }
                panic!("cannot start moto_server ({e}): {INSTALL_HINT}")
            }
        };
        // From here on a panic drops `server`, which kills the child.
        let mut server = MotoServer {
            child,
            port,
            bucket: Self::BUCKET.into(),
            log,
        };
        server.wait_ready();
        server
    }

    /// Polls until the bucket can be created.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let path = format!("/{}", self.bucket);
        loop {
            if let Some(status) = self.child.try_wait().expect("polling moto_server") {
                panic!(
                    "moto_server exited with {status} before answering ({INSTALL_HINT}); its log:\n{}",
                    self.log_text()
                );
            }
            match raw_request(self.port, "PUT", &path) {
                Ok(200) => return,
                Ok(status) => panic!(
                    "moto_server answered PUT {path} with HTTP {status}; its log:\n{}",
                    self.log_text()
                ),
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(e) => panic!(
                    "moto_server did not answer on port {} within {START_TIMEOUT:?} ({e}); its log:\n{}",
                    self.port,
                    self.log_text()
                ),
            }
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bucket created at start.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// `s3://BUCKET/prefix`.
    pub fn uri(&self, prefix: &str) -> String {
        format!("s3://{}/{}", self.bucket, prefix.trim_start_matches('/'))
    }

    /// Store options for `lakeseek_store::Store::open` (object_store's S3
    /// config keys): the endpoint, plain HTTP and dummy credentials.
    pub fn options(&self) -> HashMap<String, String> {
        [
            ("aws_endpoint", self.endpoint()),
            ("aws_allow_http", "true".into()),
            ("aws_access_key_id", "test".into()),
            ("aws_secret_access_key", "test".into()),
            ("aws_region", "us-east-1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        if let Ok(mut used) = ports_in_use().lock() {
            used.remove(&self.port);
        }
    }
}

/// Sends a body-less HTTP/1.1 request (moto does not check signatures) and
/// returns the status code.
fn raw_request(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head = String::from_utf8_lossy(&response);
    head.lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not an HTTP response: {:?}", head.lines().next()),
            )
        })
}

/// Dimension of the vector column of [`schema`].
pub const DIM: i32 = 4;

/// `k: Int64` (not null), `s: Utf8`, `v: FixedSizeList<Float32, DIM>`.
pub fn schema() -> Schema {
    schema_with_dim(DIM)
}

/// [`schema`] with a vector column of another dimension.
pub fn schema_with_dim(dim: i32) -> Schema {
    Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
        Field::new(
            "v",
            DataType::FixedSizeList(
                Arc::new(Field::new_list_field(DataType::Float32, true)),
                dim,
            ),
            true,
        ),
    ])
}

/// Rows `k = start..start + rows` of [`schema`]: `s = "s{k}"`,
/// `v = [k, k + 0.25, k + 0.5, k + 0.75]`.
pub fn batch(start: i64, rows: usize) -> RecordBatch {
    batch_with_dim(start, rows, DIM)
}

/// [`batch`] with vectors of dimension `dim` (`v[j] = k + j/4`).
pub fn batch_with_dim(start: i64, rows: usize, dim: i32) -> RecordBatch {
    let keys: Vec<i64> = (start..start + rows as i64).collect();
    let strings: Vec<String> = keys.iter().map(|k| format!("s{k}")).collect();
    let values: Vec<f32> = keys
        .iter()
        .flat_map(|&k| (0..dim).map(move |j| k as f32 + j as f32 / 4.0))
        .collect();
    let schema: SchemaRef = Arc::new(schema_with_dim(dim));
    let DataType::FixedSizeList(item, _) = schema.field(2).data_type().clone() else {
        unreachable!("schema_with_dim has a FixedSizeList at 2")
    };
    let vectors =
        FixedSizeListArray::try_new(item, dim, Arc::new(Float32Array::from(values)), None)
            .expect("vector column");
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(keys)),
            Arc::new(StringArray::from(strings)),
            Arc::new(vectors),
        ],
    )
    .expect("sample batch")
}

/// Every value of an `Int64` column across `batches`, in order.
pub fn i64_column(batches: &[RecordBatch], name: &str) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            let col = b
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name:?}"));
            let col = col
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap_or_else(|| panic!("column {name:?} is {}", col.data_type()));
            assert_eq!(col.null_count(), 0, "column {name:?} has nulls");
            col.values().to_vec()
        })
        .collect()
}

/// Every value of a `UInt64` column (such as `_id`) across `batches`.
pub fn u64_column(batches: &[RecordBatch], name: &str) -> Vec<u64> {
    batches
        .iter()
        .flat_map(|b| {
            let col = b
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name:?}"));
            let col = col
                .as_any()
                .downcast_ref::<UInt64Array>()
                .unwrap_or_else(|| panic!("column {name:?} is {}", col.data_type()));
            assert_eq!(col.null_count(), 0, "column {name:?} has nulls");
            col.values().to_vec()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_is_deterministic_and_shaped() {
        let b = batch(10, 3);
        assert_eq!(b, batch(10, 3));
        assert_eq!(b.schema().as_ref(), &schema());
        assert_eq!(i64_column(std::slice::from_ref(&b), "k"), vec![10, 11, 12]);
        let v = b
            .column(2)
            .as_any()
            .downcast_ref::<FixedSizeListArray>()
            .unwrap();
        let row1 = v.value(1);
        let row1 = row1.as_any().downcast_ref::<Float32Array>().unwrap();
        assert_eq!(row1.values().to_vec(), vec![11.0, 11.25, 11.5, 11.75]);
    }

    #[test]
    fn moto_server_starts_and_stops() {
        let server = MotoServer::start();
        let port = server.port();
        // It answers HTTP while it runs.
        assert!(raw_request(port, "GET", "/").is_ok());
        drop(server);
        // The process is gone, so the port no longer answers.
        let deadline = Instant::now() + Duration::from_secs(5);
        while raw_request(port, "GET", "/").is_ok() {
            assert!(Instant::now() < deadline, "moto still answers after drop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
