//! Fault injection for tests of code that writes through a [`Store`].
//!
//! A [`FaultInjector`] holds rules of the form "the next `n` PUTs whose
//! absolute object path contains `s` fail in this way". Install one with
//! [`Store::inject_faults`]; every clone of that store (for instance the one
//! inside a `lakeseek_table::Catalog`, reachable through `Catalog::store()`)
//! then consults it on each single-request PUT (`put` and `put_if_absent`).
//!
//! Two faults model what an object store can do to a PUT:
//! - [`PutFault::FailBeforeWrite`]: the request fails and nothing is written
//!   (a throttled or dropped request). Not counted in [`IoCounters`].
//! - [`PutFault::LoseReply`]: the object is written, then the caller gets an
//!   error anyway (the reply was lost), so it cannot tell the PUT landed.
//!
//! Both surface as [`StoreError::Transient`], the class a real network
//! failure gets. Rules are consumed in the order they were added; a PUT uses
//! at most one rule.
//!
//! ```
//! # async fn demo() -> lakeseek_store::StoreResult<()> {
//! use std::sync::Arc;
//! use lakeseek_store::{FaultInjector, Store, StoreError};
//! let store = Store::open("memory://", &Default::default())?;
//! let faults = Arc::new(FaultInjector::default());
//! faults.lose_put_replies("versions/", 1);
//! store.inject_faults(faults.clone());
//! let err = store.put_if_absent("t/versions/1.json", "x".into()).await.unwrap_err();
//! assert!(err.is_transient());
//! assert_eq!(store.get("t/versions/1.json").await?, "x"); // it landed anyway
//! assert_eq!(faults.fired(), 1);
//! # Ok(()) }
//! ```
//!
//! [`Store`]: crate::Store
//! [`Store::inject_faults`]: crate::Store::inject_faults
//! [`IoCounters`]: crate::IoCounters
//! [`StoreError::Transient`]: crate::StoreError::Transient

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use object_store::path::Path;

/// What an injected fault does to a PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutFault {
    /// Fail with a transient error without writing anything.
    FailBeforeWrite,
    /// Write the object, then fail with a transient error.
    LoseReply,
    /// Succeed, but only after this many milliseconds (a slow request).
    DelayMs(u64),
}

#[derive(Debug)]
struct Rule {
    path_contains: String,
    fault: PutFault,
    remaining: usize,
}

/// A set of one-shot PUT fault rules; see the [module docs](self).
#[derive(Debug, Default)]
pub struct FaultInjector {
    rules: Mutex<Vec<Rule>>,
    fired: AtomicUsize,
}

impl FaultInjector {
    /// Adds a rule: `fault` for the next `times` PUTs whose absolute path
    /// contains `path_contains`.
    pub fn add(&self, path_contains: &str, fault: PutFault, times: usize) -> &Self {
        self.rules.lock().expect("fault rules").push(Rule {
            path_contains: path_contains.into(),
            fault,
            remaining: times,
        });
        self
    }

    /// Fails the next `times` matching PUTs before anything is written.
    pub fn fail_puts(&self, path_contains: &str, times: usize) -> &Self {
        self.add(path_contains, PutFault::FailBeforeWrite, times)
    }

    /// Writes the next `times` matching PUTs, then reports an error.
    pub fn lose_put_replies(&self, path_contains: &str, times: usize) -> &Self {
        self.add(path_contains, PutFault::LoseReply, times)
    }

    /// How many faults have been injected so far.
    pub fn fired(&self) -> usize {
        self.fired.load(Ordering::SeqCst)
    }

    /// How many faults are still armed.
    pub fn pending(&self) -> usize {
        self.rules
            .lock()
            .expect("fault rules")
            .iter()
            .map(|r| r.remaining)
            .sum()
    }

    /// Disarms every rule.
    pub fn clear(&self) {
        self.rules.lock().expect("fault rules").clear();
    }

    /// Consumes and returns the fault (if any) for a PUT to `path`.
    pub(crate) fn on_put(&self, path: &Path) -> Option<PutFault> {
        let mut rules = self.rules.lock().expect("fault rules");
        let rule = rules
            .iter_mut()
            .find(|r| r.remaining > 0 && path.as_ref().contains(&r.path_contains))?;
        rule.remaining -= 1;
        self.fired.fetch_add(1, Ordering::SeqCst);
        Some(rule.fault)
    }
}

/// Where a store keeps its injector; shared by every clone of the store.
#[derive(Debug, Default)]
pub(crate) struct FaultSlot(RwLock<Option<Arc<FaultInjector>>>);

impl FaultSlot {
    pub(crate) fn set(&self, injector: Option<Arc<FaultInjector>>) {
        *self.0.write().expect("fault slot") = injector;
    }

    pub(crate) fn on_put(&self, path: &Path) -> Option<PutFault> {
        self.0.read().expect("fault slot").as_ref()?.on_put(path)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("injected fault {fault:?} on PUT {path}")]
struct InjectedFault {
    path: String,
    fault: PutFault,
}

/// The error an injected fault returns; classified as transient.
pub(crate) fn injected_error(path: &Path, fault: PutFault) -> object_store::Error {
    object_store::Error::Generic {
        store: "FaultInjector",
        source: Box::new(InjectedFault {
            path: path.to_string(),
            fault,
        }),
    }
}
