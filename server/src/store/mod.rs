//! Persistence of users, venues, shows, bookings, tickets, payments, rewards and the audit log.
//!
//! Production uses MongoDB; the embedded default keeps a database file in the data folder.

pub mod mongo_conn;
