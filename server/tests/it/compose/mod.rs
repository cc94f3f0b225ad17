//! The deployment files say what the server actually reads and wire it to what it needs.
//!
//! Docker is not needed: the compose files are parsed and checked against the server's own
//! configuration code. `docker-compose.yml` is the production-like single-instance stack,
//! `compose.cluster.yml` the horizontally scaled one (API instances behind a proxy, separate
//! workers). `installers/server/server.env` and the systemd units are checked against the same
//! list of settings and against the Debian package metadata.
//!
//! `model` reads a compose file, `checks` has what every compose file must pass; `stacks` and
//! `installers` are the tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use eventory_server::config::{env_vars, CONFIG_FILE_VAR};

mod checks;
mod installers;
mod model;
mod stacks;

/// Variables the server reads besides its configuration keys (`RUST_LOG`: log verbosity).
const OTHER_VARS: [&str; 1] = ["RUST_LOG"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ is inside the repository")
        .to_owned()
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// Every environment variable name the server reads.
fn server_vars() -> BTreeSet<String> {
    env_vars()
        .into_iter()
        .map(|(_, var)| var)
        .chain(
            [CONFIG_FILE_VAR]
                .into_iter()
                .chain(OTHER_VARS)
                .map(str::to_owned),
        )
        .collect()
}
