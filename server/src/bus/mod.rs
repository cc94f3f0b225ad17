//! Events between the API and the workers: booking and payment events, with an outbox relay.
//!
//! Production publishes to Kafka; the embedded default uses in-process queues.

pub mod kafka_conn;
