//! The ledger's Lua scripts, each with `common.lua` prepended, hashed once; called by SHA
//! (the `redis` crate's `Script` loads a script again on NOSCRIPT).

use redis::Script;

macro_rules! ledger_script {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("lua/common.lua"),
            "\n",
            include_str!($file)
        ))
    };
}

/// The scripts, hashed once.
pub(super) struct Scripts {
    pub(super) hold: Script,
    pub(super) extend: Script,
    pub(super) processing: Script,
    pub(super) release: Script,
    pub(super) confirm: Script,
    pub(super) refund: Script,
    pub(super) snapshot: Script,
    pub(super) sweep: Script,
    pub(super) register: Script,
    pub(super) restore: Script,
    pub(super) claims: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Self {
            hold: ledger_script!("lua/hold.lua"),
            extend: ledger_script!("lua/extend.lua"),
            processing: ledger_script!("lua/processing.lua"),
            release: ledger_script!("lua/release.lua"),
            confirm: ledger_script!("lua/confirm.lua"),
            refund: ledger_script!("lua/refund.lua"),
            snapshot: ledger_script!("lua/snapshot.lua"),
            sweep: ledger_script!("lua/sweep.lua"),
            register: ledger_script!("lua/register.lua"),
            restore: ledger_script!("lua/restore.lua"),
            claims: ledger_script!("lua/claims.lua"),
        }
    }
}
