//! The [`Command`] trait: a request type, the name it is invoked by, and its response type.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The one argument every command takes: the request, as JSON (`{"request": {...}}`).
pub const REQUEST_ARG: &str = "request";

/// A command of the native side: `Self` is its request (the arguments), `Response` what it
/// answers on success; every command fails with a [`super::CommandError`].
pub trait Command: Serialize + DeserializeOwned {
    /// The Tauri command name (the native side's function registers under it).
    const NAME: &'static str;
    /// The answer on success.
    type Response: Serialize + DeserializeOwned;
}

/// Whether two names are equal, in a `const` context: the native side checks at compile time
/// that the function it registers for a request is named [`Command::NAME`].
pub const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_exactly() {
        assert!(same_name("hold", "hold"));
        assert!(!same_name("hold", "holds"));
        assert!(!same_name("hold", "fold"));
        const { assert!(same_name("sign_in", "sign_in")) };
    }
}
