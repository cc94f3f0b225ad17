//! Who is acting: the signed-in account and its role, as the capabilities see it. Plain data:
//! how it is read from a request (the bearer token) is the HTTP layer's business
//! (`http::extract`).

use eventory_shared::{Role, UserId};

/// The signed-in caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub role: Role,
}

impl Caller {
    /// The owner string used for holds: holds belong to the account that made them.
    pub fn owner(&self) -> String {
        self.user_id.to_string()
    }
}
