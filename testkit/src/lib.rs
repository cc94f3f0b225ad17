//! What the integration tests of the server (`server/tests/it`) and of the desktop
//! (`desktop/tests`) share, so no test binary re-implements them:
//!
//! - [`TestServer`]: the whole server in the test's process on a port of its own (the server's
//!   own [`eventory_server::app::LocalServer`], so tests start exactly what `serve` starts);
//! - [`TestApi`]: a typed client for the request chains tests set up with (sign a token or
//!   an account in, hold, check out, sell and wait until confirmed, refund, rewards);
//! - [`wait_until`]: the one deadline loop, with a message naming what never happened.

mod api;
mod wait;

pub use api::{cash_payment, TestApi};
pub use eventory_server::app::LocalServer as TestServer;
pub use wait::{booking_reaches, wait_until, WAIT};
