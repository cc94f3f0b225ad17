//! The seat ledger: which seat of a show is available, held, processing or sold.
//!
//! Production keeps it in Redis (atomic Lua scripts); the embedded default keeps it in process.

pub mod redis_conn;
