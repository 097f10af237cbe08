//! Search over a table snapshot: table-wide statistics, per-segment scoring,
//! a global top-k, and fusion of rankings.

pub mod fusion;
pub mod hybrid;
pub mod text;
pub mod vector;
