//! The staff PIN of a kiosk: what leaves kiosk mode, allows closing the window and changing the
//! device settings. Kept as an argon2id hash (never the PIN) in a file of its own that the
//! account running the app must not be able to rewrite: by default `/etc/eventory/kiosk-pin`,
//! written by `sudo eventory-desktop set-kiosk-pin`. A PIN file the app's own account could
//! replace (owned by it, writable by group or others, or in such a folder) is not trusted:
//! the device then behaves as if no PIN were set and says why.

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Where the PIN hash lives unless the device configuration names another file (elsewhere
/// than on Unix: in the config dir).
#[cfg(unix)]
pub const DEFAULT_PIN_FILE: &str = "/etc/eventory/kiosk-pin";
#[cfg(not(unix))]
pub const DEFAULT_PIN_FILE: &str = "kiosk-pin";

/// Why a PIN cannot be set.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("a staff PIN is 6 to 12 digits")]
    BadPin,
    #[error("cannot write {path}: {source} (the PIN file is written as root: sudo eventory-desktop set-kiosk-pin)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The PIN as this device sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffPin {
    /// No PIN file (or an empty one): nothing unlocks.
    NotSet,
    /// The hash, from a file the app's account cannot rewrite.
    Set(String),
    /// A PIN file that is not protected (why): ignored, nothing unlocks.
    Unprotected(String),
}

impl StaffPin {
    /// Reads the PIN file at `path`.
    pub fn load(path: &Path) -> Self {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Self::NotSet,
            Err(e) => return Self::Unprotected(format!("cannot read {}: {e}", path.display())),
        };
        let hash = text.trim();
        if hash.is_empty() {
            return Self::NotSet;
        }
        if let Some(why) = protection_problem(path) {
            return Self::Unprotected(why);
        }
        match PasswordHash::new(hash) {
            Ok(_) => Self::Set(hash.to_owned()),
            Err(_) => Self::Unprotected(format!("{} is not a PIN hash", path.display())),
        }
    }

    pub fn is_set(&self) -> bool {
        matches!(self, Self::Set(_))
    }

    /// Why a PIN file exists but is not used.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Unprotected(why) => Some(why.clone()),
            _ => None,
        }
    }

    /// Whether `pin` is the staff PIN (constant time, by argon2). Not set: always false.
    pub fn verify(&self, pin: &str) -> bool {
        let Self::Set(hash) = self else {
            return false;
        };
        PasswordHash::new(hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
    }
}

/// The argon2id hash of `pin` (6 to 12 digits).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    if !(6..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::BadPin);
    }
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hash = Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|_| PinError::BadPin)?;
    Ok(hash.to_string())
}

/// Sets the PIN: its hash replaces `path` atomically, readable by all, writable by its owner
/// only (run as root, so the kiosk account cannot change it).
pub fn write_pin_file(path: &Path, pin: &str) -> Result<(), PinError> {
    let hash = hash_pin(pin)?;
    let io = |source| PinError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("{hash}\n")).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Why the app's own account could replace the file at `path` (and so choose the PIN).
#[cfg(unix)]
pub fn protection_problem(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    let check = |p: &Path, what: &str| -> Option<String> {
        let meta = std::fs::metadata(p).ok()?;
        if meta.mode() & 0o022 != 0 {
            return Some(format!(
                "the staff PIN {what} {} is writable by other accounts",
                p.display()
            ));
        }
        if me != 0 && meta.uid() == me {
            return Some(format!(
                "the staff PIN {what} {} belongs to the account running the app; set the PIN as root (sudo eventory-desktop set-kiosk-pin)",
                p.display()
            ));
        }
        None
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    check(path, "file").or_else(|| check(dir, "folder"))
}

/// Other platforms: the file is trusted as it is (protect it with the OS's own permissions).
#[cfg(not(unix))]
pub fn protection_problem(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kiosk-pin");
        assert_eq!(StaffPin::load(&file), StaffPin::NotSet);
        assert!(
            !StaffPin::load(&file).verify("000000"),
            "no PIN: nothing unlocks"
        );
        write_pin_file(&file, "135790").unwrap();
        let pin = StaffPin::load(&file);
        assert!(pin.is_set(), "{pin:?}");
        assert!(pin.verify("135790"));
        assert!(!pin.verify("135791"));
        assert!(!pin.verify(""));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("135790"), "the PIN is stored hashed");
        for bad in ["12", "2468", "12ab56", "1234567890123"] {
            assert!(matches!(hash_pin(bad), Err(PinError::BadPin)), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pin_file_others_can_rewrite_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kiosk-pin");
        write_pin_file(&file, "135790").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let pin = StaffPin::load(&file);
        assert!(!pin.verify("135790"), "{pin:?}");
        assert!(pin.problem().unwrap().contains("writable"), "{pin:?}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(StaffPin::load(&file).problem().unwrap().contains("folder"));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = rustix::process::geteuid().is_root();
        assert_eq!(
            StaffPin::load(&file).is_set(),
            root,
            "a file of the app's own (non-root) account is not trusted"
        );
    }
}
