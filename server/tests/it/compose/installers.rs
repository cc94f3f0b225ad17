//! The installers: the env template and the systemd units against the Debian package.

use std::collections::{BTreeMap, BTreeSet};

use eventory_server::config::{Config, ConfigError};

use super::*;

/// The env file documents every variable the server reads, names no other, and refuses to run
/// with its placeholder secret.
#[test]
fn the_env_template_documents_every_setting() {
    let template = read("installers/server/server.env");
    let mut documented = BTreeSet::new();
    let mut active = BTreeMap::new();
    for line in template.lines() {
        let (commented, body) = match line.strip_prefix('#') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let Some((key, value)) = body.split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            continue; // prose in a comment
        }
        documented.insert(key.to_owned());
        if !commented {
            active.insert(key.to_owned(), value.to_owned());
        }
    }
    let known: BTreeSet<String> = server_vars();
    assert_eq!(
        documented, known,
        "server.env vs the variables the server reads"
    );

    assert_eq!(active.keys().collect::<Vec<_>>(), ["EVENTORY_JWT_SECRET"]);
    let err = Config::from_sources(None, |k| active.get(k).cloned()).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                key: "jwt_secret",
                ..
            }
        ),
        "the placeholder secret must be refused: {err}"
    );
}

/// The systemd units run the binary the Debian package installs, with the env file it installs.
#[test]
fn the_units_match_the_debian_package() {
    let manifest: toml::Value = toml::from_str(&read("server/Cargo.toml")).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets: Vec<(String, String)> = deb["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a[0].as_str().unwrap().to_owned(),
                a[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let installed = |source: &str| {
        assets
            .iter()
            .find(|(s, _)| s == source)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("{source} is not packaged"))
    };
    assert_eq!(installed("target/release/eventory-server"), "usr/bin/");
    let env_file = format!("/{}", installed("../installers/server/server.env"));

    let units: Vec<&str> = deb["systemd-units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["unit-scripts"].as_str(), Some("../installers/server"));
            assert_eq!(u["enable"].as_bool(), Some(false), "installed disabled");
            assert_eq!(u["start"].as_bool(), Some(false), "installed stopped");
            u["unit-name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(units, ["eventory-server", "eventory-worker"]);
    for (unit, command) in units.iter().zip(["serve", "worker"]) {
        let text = read(&format!("installers/server/{unit}.service"));
        let directives: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            directives.contains(&format!("ExecStart=/usr/bin/eventory-server {command}").as_str()),
            "{unit}.service"
        );
        assert!(
            directives.contains(&format!("EnvironmentFile={env_file}").as_str()),
            "{unit}.service reads {env_file}"
        );
        for setting in [
            "DynamicUser=yes",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "CapabilityBoundingSet=",
        ] {
            assert!(directives.contains(&setting), "{unit}.service: {setting}");
        }
    }
    // The embedded default keeps its data in the server unit's state directory.
    let server = read("installers/server/eventory-server.service");
    assert!(server.contains("\nStateDirectory=eventory\n"));
    assert!(server.contains("\nEnvironment=EVENTORY_DATA_DIR=/var/lib/eventory\n"));
}
