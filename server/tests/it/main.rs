//! The server's integration tests, one binary (one link of rdkafka, mongodb, redb, ...): each
//! module is one former test file (the larger ones a folder, one file per topic), against the
//! real services `.ci/run` starts. `support` holds
//! the configuration for those services; `eventory_testkit` the in-process server, the typed
//! API client and `wait_until` shared with the desktop's tests.

mod support;

mod abuse;
mod api_contract;
mod bus_contract;
mod chaos;
mod compose;
mod create_admin;
mod http_api;
mod http_holds;
mod http_skeleton;
mod ledger_contract;
mod ledger_model;
mod ledger_redis;
mod lifecycle_races;
mod live_feed;
mod payment_flow;
mod rewards_admin;
mod services;
mod store_contract;
mod store_rebuild;
