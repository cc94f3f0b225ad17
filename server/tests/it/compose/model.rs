//! One compose file as the checks read it, and compose's value conventions (scalars as text,
//! commands as words, interpolation, URIs).

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::*;

/// One compose file, `<<: *anchor` merge keys applied as compose applies them.
pub(super) struct Compose {
    pub(super) file: &'static str,
    pub(super) services: BTreeMap<String, Value>,
}

impl Compose {
    pub(super) fn load(file: &'static str) -> Self {
        let mut doc: Value = serde_yaml::from_str(&read(file))
            .unwrap_or_else(|e| panic!("{file} is not valid YAML: {e}"));
        doc.apply_merge()
            .unwrap_or_else(|e| panic!("{file}: merge keys: {e}"));
        let services = doc
            .get("services")
            .and_then(Value::as_mapping)
            .unwrap_or_else(|| panic!("{file} has no services"))
            .iter()
            .map(|(name, service)| {
                (
                    name.as_str().expect("service names are strings").to_owned(),
                    service.clone(),
                )
            })
            .collect();
        Self { file, services }
    }

    pub(super) fn service(&self, name: &str) -> &Value {
        self.services
            .get(name)
            .unwrap_or_else(|| panic!("{}: no service {name:?}", self.file))
    }

    pub(super) fn image(&self, name: &str) -> String {
        text(self.service(name).get("image")).unwrap_or_default()
    }

    /// Services running the eventory-server image (API instances and workers).
    pub(super) fn eventory(&self) -> Vec<&str> {
        self.services
            .iter()
            .filter(|(_, s)| {
                s.get("build")
                    .and_then(|b| b.get("dockerfile"))
                    .and_then(Value::as_str)
                    == Some("server/Dockerfile")
            })
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Eventory services running `serve` (the image's default command) and `worker`.
    pub(super) fn api_and_workers(&self) -> (Vec<&str>, Vec<&str>) {
        self.eventory().into_iter().partition(|name| {
            match words(self.service(name).get("command")) {
                None => true,
                Some(command) if command == ["serve"] => true,
                Some(command) if command == ["worker"] => false,
                Some(other) => panic!("{}: {name} runs {other:?}", self.file),
            }
        })
    }

    /// Environment of a service, `${VAR:-default}` interpolated to the default.
    pub(super) fn env(&self, name: &str) -> BTreeMap<String, String> {
        let raw: BTreeMap<String, String> = match self.service(name).get("environment") {
            None => BTreeMap::new(),
            Some(Value::Mapping(map)) => map
                .iter()
                .map(|(k, v)| {
                    let key = k.as_str().expect("variable names are strings").to_owned();
                    let value = text(Some(v))
                        .unwrap_or_else(|| panic!("{}: {name}: {key} has no value", self.file));
                    (key, value)
                })
                .collect(),
            Some(Value::Sequence(items)) => items
                .iter()
                .map(|item| {
                    let item = item.as_str().expect("KEY=value strings");
                    let (k, v) = item.split_once('=').unwrap_or((item, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect(),
            Some(other) => panic!("{}: {name}: environment is {other:?}", self.file),
        };
        raw.into_iter().map(|(k, v)| (k, interpolate(&v))).collect()
    }

    /// `depends_on` as service -> condition (the short list form means `service_started`).
    pub(super) fn depends_on(&self, name: &str) -> BTreeMap<String, String> {
        match self.service(name).get("depends_on") {
            None => BTreeMap::new(),
            Some(Value::Sequence(names)) => names
                .iter()
                .map(|n| (text(Some(n)).unwrap(), "service_started".to_owned()))
                .collect(),
            Some(Value::Mapping(map)) => map
                .iter()
                .map(|(k, v)| {
                    (
                        text(Some(k)).unwrap(),
                        text(v.get("condition")).unwrap_or_else(|| "service_started".into()),
                    )
                })
                .collect(),
            Some(other) => panic!("{}: {name}: depends_on is {other:?}", self.file),
        }
    }

    /// The health check's command; fails unless the service has an enabled one.
    pub(super) fn healthcheck(&self, name: &str) -> Vec<String> {
        let check = self
            .service(name)
            .get("healthcheck")
            .unwrap_or_else(|| panic!("{}: {name} has no healthcheck", self.file));
        assert_ne!(
            check.get("disable").and_then(Value::as_bool),
            Some(true),
            "{}: {name}: healthcheck disabled",
            self.file
        );
        let test = words(check.get("test"))
            .unwrap_or_else(|| panic!("{}: {name}: healthcheck has no test", self.file));
        assert!(
            !test.is_empty() && test[0] != "NONE",
            "{}: {name}: healthcheck test {test:?}",
            self.file
        );
        test
    }

    pub(super) fn replicas(&self, name: &str) -> u64 {
        self.service(name)
            .get("deploy")
            .and_then(|d| d.get("replicas"))
            .and_then(Value::as_u64)
            .unwrap_or(1)
    }

    /// The service listening on `host` (a service name) with an image starting `image`.
    pub(super) fn expect_service(&self, host: &str, image: &str, what: &str) {
        assert!(
            self.services.contains_key(host),
            "{}: {what} points at {host:?}, which is no service",
            self.file
        );
        assert!(
            self.image(host).starts_with(image),
            "{}: {what} points at {host:?}, which runs {:?}, not {image}",
            self.file,
            self.image(host)
        );
    }
}

/// A scalar as text (compose accepts numbers and booleans where strings are meant).
pub(super) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A command as a list (the string form is split on whitespace).
pub(super) fn words(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        Value::Sequence(items) => Some(items.iter().map(|i| text(Some(i)).unwrap()).collect()),
        _ => None,
    }
}

/// What the operator must set (`${VAR:?message}`: compose refuses to start without it), as
/// the test sets it.
pub(super) const REQUIRED: &[(&str, &str)] = &[(
    "EVENTORY_JWT_SECRET",
    "the-operator-s-own-secret-0123456789abcdef",
)];

/// Compose interpolation as the files use it: `${VAR:-default}` and `${VAR-default}` become the
/// default (the test runs without the operator's variables), `${VAR:?message}` the value the
/// test sets for a [`REQUIRED`] variable, `$$` a dollar sign.
pub(super) fn interpolate(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(body) = rest.strip_prefix("${") {
            let end = body.find('}').expect("closing brace");
            let expr = &body[..end];
            if let Some((var, _message)) = expr.split_once(":?") {
                let (_, set) = REQUIRED
                    .iter()
                    .find(|(name, _)| *name == var)
                    .unwrap_or_else(|| panic!("{value:?}: {var} is required but not in REQUIRED"));
                out.push_str(set);
                rest = &body[end + 1..];
                continue;
            }
            let default = expr
                .split_once(":-")
                .or_else(|| expr.split_once('-'))
                .map(|(_, d)| d)
                .unwrap_or_else(|| panic!("{value:?}: ${{{expr}}} has no default"));
            out.push_str(default);
            rest = &body[end + 1..];
        } else {
            panic!("{value:?}: use ${{VAR:-default}}, not a bare $VAR");
        }
    }
    out.push_str(rest);
    out
}

/// `scheme://host:port,host:port/...` -> ["host:port", ...] and the query string.
pub(super) fn uri_hosts(uri: &str) -> (Vec<String>, String) {
    let after_scheme = uri.split_once("://").map_or(uri, |(_, r)| r);
    let (hosts, tail) = after_scheme.split_once('/').unwrap_or((after_scheme, ""));
    let query = tail.split_once('?').map_or("", |(_, q)| q).to_owned();
    (
        hosts.split(',').map(|h| h.trim().to_owned()).collect(),
        query,
    )
}

pub(super) fn host_of(host_port: &str) -> &str {
    host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
}
