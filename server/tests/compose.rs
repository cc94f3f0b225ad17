//! The deployment files say what the server actually reads and wire it to what it needs.
//!
//! Docker is not needed: the compose files are parsed and checked against the server's own
//! configuration code. `docker-compose.yml` is the production-like single-instance stack,
//! `compose.cluster.yml` the horizontally scaled one (API instances behind a proxy, separate
//! workers). `installers/server/server.env` and the systemd units are checked against the same
//! list of settings and against the Debian package metadata.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use eventory_server::bus::PARTITIONS;
use eventory_server::config::{Config, ConfigError, CONFIG_FILE_VAR, ENV_VARS};
use serde_yaml::Value;

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
fn server_vars() -> BTreeSet<&'static str> {
    ENV_VARS
        .iter()
        .map(|(_, var)| *var)
        .chain([CONFIG_FILE_VAR])
        .chain(OTHER_VARS)
        .collect()
}

/// One compose file, `<<: *anchor` merge keys applied as compose applies them.
struct Compose {
    file: &'static str,
    services: BTreeMap<String, Value>,
}

impl Compose {
    fn load(file: &'static str) -> Self {
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

    fn service(&self, name: &str) -> &Value {
        self.services
            .get(name)
            .unwrap_or_else(|| panic!("{}: no service {name:?}", self.file))
    }

    fn image(&self, name: &str) -> String {
        text(self.service(name).get("image")).unwrap_or_default()
    }

    /// Services running the eventory-server image (API instances and workers).
    fn eventory(&self) -> Vec<&str> {
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
    fn api_and_workers(&self) -> (Vec<&str>, Vec<&str>) {
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
    fn env(&self, name: &str) -> BTreeMap<String, String> {
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
    fn depends_on(&self, name: &str) -> BTreeMap<String, String> {
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
    fn healthcheck(&self, name: &str) -> Vec<String> {
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

    fn replicas(&self, name: &str) -> u64 {
        self.service(name)
            .get("deploy")
            .and_then(|d| d.get("replicas"))
            .and_then(Value::as_u64)
            .unwrap_or(1)
    }

    /// The service listening on `host` (a service name) with an image starting `image`.
    fn expect_service(&self, host: &str, image: &str, what: &str) {
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
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A command as a list (the string form is split on whitespace).
fn words(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        Value::Sequence(items) => Some(items.iter().map(|i| text(Some(i)).unwrap()).collect()),
        _ => None,
    }
}

/// Compose interpolation as the files use it: `${VAR:-default}` and `${VAR-default}` become the
/// default (the test runs without the operator's variables), `$$` a dollar sign.
fn interpolate(value: &str) -> String {
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
fn uri_hosts(uri: &str) -> (Vec<String>, String) {
    let after_scheme = uri.split_once("://").map_or(uri, |(_, r)| r);
    let (hosts, tail) = after_scheme.split_once('/').unwrap_or((after_scheme, ""));
    let query = tail.split_once('?').map_or("", |(_, q)| q).to_owned();
    (
        hosts.split(',').map(|h| h.trim().to_owned()).collect(),
        query,
    )
}

fn host_of(host_port: &str) -> &str {
    host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
}

/// What one compose file's checks found, for the file-specific checks.
struct Stack {
    api: Vec<String>,
    workers: Vec<String>,
    configs: BTreeMap<String, Config>,
}

/// Checks every compose file must pass.
fn check_stack(compose: &Compose) -> Stack {
    let file = compose.file;
    let known = server_vars();

    // Every service, not only the server, gets a health check.
    for name in compose.services.keys() {
        compose.healthcheck(name);
    }

    let (api, workers) = compose.api_and_workers();
    assert!(!api.is_empty(), "{file}: no eventory-server API service");
    let mut configs = BTreeMap::new();
    let mut secrets = BTreeSet::new();
    for &name in api.iter().chain(&workers) {
        let env = compose.env(name);

        // Only variables the server reads: a typo would silently leave the default.
        for key in env.keys() {
            assert!(
                known.contains(key.as_str()),
                "{file}: {name} sets {key}, which the server does not read (config.rs reads {known:?})"
            );
        }

        // The values pass the server's own validation and select the cluster services.
        let config = Config::from_sources(None, |key| env.get(key).cloned())
            .unwrap_or_else(|e| panic!("{file}: {name}: the server would refuse this: {e}"));
        let redis = config.redis_url.clone().expect("REDIS_URL");
        let mongo = config.mongodb_uri.clone().expect("MONGODB_URI");
        let kafka = config.kafka_brokers.clone().expect("KAFKA_BROKERS");
        secrets.insert(config.jwt_secret.clone().expect("EVENTORY_JWT_SECRET"));

        // REDIS_URL -> the Redis service.
        let (redis_hosts, _) = uri_hosts(&redis);
        for host in &redis_hosts {
            compose.expect_service(host_of(host), "redis:", &format!("{name}'s REDIS_URL"));
        }

        // MONGODB_URI -> the replica set members, each started with --replSet <the set>.
        let (mongo_hosts, query) = uri_hosts(&mongo);
        let set = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("replicaSet="))
            .unwrap_or_else(|| panic!("{file}: {name}: MONGODB_URI names no replicaSet"));
        for host in &mongo_hosts {
            let member = host_of(host);
            compose.expect_service(member, "mongo:", &format!("{name}'s MONGODB_URI"));
            let command = words(compose.service(member).get("command")).unwrap_or_default();
            let repl = command.iter().position(|w| w == "--replSet");
            assert!(
                repl.is_some_and(|i| command.get(i + 1).map(String::as_str) == Some(set)),
                "{file}: {member} must run mongod --replSet {set} (transactions need a replica set), runs {command:?}"
            );
        }
        // Some member initiates the set, with exactly the members the server connects to.
        let initiating: Vec<String> = compose
            .services
            .keys()
            .filter(|s| compose.image(s).starts_with("mongo:"))
            .map(|s| compose.healthcheck(s).join(" "))
            .filter(|test| test.contains("rs.initiate"))
            .collect();
        assert_eq!(
            initiating.len(),
            1,
            "{file}: one mongo health check initiates the set"
        );
        for host in &mongo_hosts {
            assert!(
                initiating[0].contains(&format!("host: '{host}'")),
                "{file}: rs.initiate does not list {host}"
            );
        }

        // KAFKA_BROKERS -> KRaft brokers advertising exactly that address.
        for broker in kafka.split(',').map(str::trim) {
            let host = host_of(broker);
            compose.expect_service(host, "apache/kafka", &format!("{name}'s KAFKA_BROKERS"));
            let kenv = compose.env(host);
            assert!(
                kenv.get("KAFKA_PROCESS_ROLES")
                    .is_some_and(|r| r.split(',').any(|r| r.trim() == "broker")),
                "{file}: {host} is not a KRaft broker (KAFKA_PROCESS_ROLES)"
            );
            assert!(
                kenv.get("KAFKA_ADVERTISED_LISTENERS")
                    .is_some_and(|l| l.contains(&format!("//{broker}"))),
                "{file}: {host} does not advertise {broker}"
            );
        }

        // Started only once everything it needs answers.
        let depends = compose.depends_on(name);
        for (dependency, condition) in &depends {
            assert_eq!(
                condition, "service_healthy",
                "{file}: {name} depends on {dependency} with {condition}"
            );
        }
        let brokers: Vec<String> = kafka.split(',').map(|b| b.trim().to_owned()).collect();
        for dependency in redis_hosts.iter().chain(&brokers).map(|h| host_of(h)) {
            assert!(
                depends.contains_key(dependency),
                "{file}: {name} does not wait for {dependency}"
            );
        }
        assert!(
            mongo_hosts.iter().any(|h| depends.contains_key(host_of(h))),
            "{file}: {name} does not wait for the replica set"
        );

        configs.insert(name.to_owned(), config);
    }
    assert_eq!(
        secrets.len(),
        1,
        "{file}: every instance must share one EVENTORY_JWT_SECRET"
    );

    // API instances listen on every interface and their health check asks /ready on that port.
    for &name in &api {
        let bind = configs[name].bind;
        assert!(
            bind.ip().is_unspecified(),
            "{file}: {name} binds {bind}: unreachable from the other containers"
        );
        let test = compose.healthcheck(name).join(" ");
        assert!(
            test.contains(&format!("127.0.0.1:{}/ready", bind.port())),
            "{file}: {name}'s health check does not ask /ready on port {}: {test}",
            bind.port()
        );
    }

    // Kafka in KRaft mode, no ZooKeeper anywhere, partitions as the server creates them.
    for name in compose.services.keys() {
        assert!(
            !name.contains("zookeeper") && !compose.image(name).contains("zookeeper"),
            "{file}: {name}: no ZooKeeper, Kafka runs in KRaft mode"
        );
        if compose.image(name).starts_with("apache/kafka") {
            let env = compose.env(name);
            assert!(env.contains_key("KAFKA_PROCESS_ROLES"), "{file}: {name}");
            assert!(
                env.contains_key("KAFKA_CONTROLLER_QUORUM_VOTERS"),
                "{file}: {name}"
            );
            assert!(
                !env.contains_key("KAFKA_ZOOKEEPER_CONNECT"),
                "{file}: {name}"
            );
            assert_eq!(
                env.get("KAFKA_NUM_PARTITIONS").map(String::as_str),
                Some(PARTITIONS.to_string().as_str()),
                "{file}: {name}: KAFKA_NUM_PARTITIONS must match the server's {PARTITIONS} partitions per topic"
            );
        }
    }

    Stack {
        api: api.into_iter().map(str::to_owned).collect(),
        workers: workers.into_iter().map(str::to_owned).collect(),
        configs,
    }
}

#[test]
fn the_image_serves_by_default() {
    let dockerfile = read("server/Dockerfile");
    assert!(dockerfile.contains(r#"ENTRYPOINT ["eventory-server"]"#));
    assert!(dockerfile.contains(r#"CMD ["serve"]"#));
}

#[test]
fn docker_compose_runs_one_server_on_the_real_services() {
    let compose = Compose::load("docker-compose.yml");
    let stack = check_stack(&compose);
    assert_eq!(stack.api, ["server"]);
    assert!(stack.workers.is_empty());
    // One instance runs its own workers.
    assert!(stack.configs["server"].run_workers);
    let ports = words(compose.service("server").get("ports")).unwrap_or_default();
    let port = stack.configs["server"].bind.port();
    assert!(
        ports.iter().any(|p| p.ends_with(&format!(":{port}"))),
        "docker-compose.yml: the server's port {port} is not published: {ports:?}"
    );
}

#[test]
fn the_cluster_scales_api_instances_and_workers_separately() {
    let compose = Compose::load("compose.cluster.yml");
    let stack = check_stack(&compose);
    let file = compose.file;

    let api_instances: u64 = stack.api.iter().map(|s| compose.replicas(s)).sum();
    assert!(
        api_instances >= 2,
        "{file}: {api_instances} API instance(s)"
    );
    let worker_instances: u64 = stack.workers.iter().map(|s| compose.replicas(s)).sum();
    assert!(
        (1..=PARTITIONS as u64).contains(&worker_instances),
        "{file}: {worker_instances} workers; 1..={PARTITIONS} (more than the partitions sit idle)"
    );
    for name in &stack.api {
        assert!(
            !stack.configs[name].run_workers,
            "{file}: {name} must set EVENTORY_RUN_WORKERS=false: the workers run separately"
        );
    }

    // Redis is shared: live updates fan out across instances through it.
    let redis: BTreeSet<_> = stack
        .configs
        .values()
        .map(|c| c.redis_url.clone())
        .collect();
    assert_eq!(redis.len(), 1, "{file}: instances must share one Redis");

    // The proxy: waits for every instance, publishes the port, health-checks each instance.
    let proxies: Vec<&String> = compose
        .services
        .keys()
        .filter(|s| compose.image(s).starts_with("haproxy:"))
        .collect();
    assert_eq!(proxies.len(), 1, "{file}: one HAProxy in front");
    let proxy = proxies[0];
    let depends = compose.depends_on(proxy);
    for name in &stack.api {
        assert_eq!(
            depends.get(name).map(String::as_str),
            Some("service_healthy"),
            "{file}: {proxy} must wait for {name} to be healthy"
        );
    }
    let volumes = words(compose.service(proxy).get("volumes")).unwrap_or_default();
    let mount = volumes
        .iter()
        .find(|v| v.contains("/usr/local/etc/haproxy/haproxy.cfg"))
        .unwrap_or_else(|| panic!("{file}: {proxy} mounts no haproxy.cfg"));
    let source = mount.split(':').next().unwrap().trim_start_matches("./");
    assert!(
        source.starts_with("installers/compose/"),
        "{file}: {source}"
    );
    let cfg = read(source);
    let lines: Vec<&str> = cfg
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let bind_port = lines
        .iter()
        .find_map(|l| l.strip_prefix("bind "))
        .and_then(|b| b.trim().rsplit_once(':'))
        .map(|(_, port)| port.to_owned())
        .expect("haproxy.cfg binds a port");
    let ports = words(compose.service(proxy).get("ports")).unwrap_or_default();
    assert!(
        ports.iter().any(|p| p.ends_with(&format!(":{bind_port}"))),
        "{file}: {proxy} listens on {bind_port} but publishes {ports:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("http-check send") && l.contains("uri /ready")),
        "haproxy.cfg: instances are not checked on /ready"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("default-server") && l.split_whitespace().any(|w| w == "check")),
        "haproxy.cfg: health checks are not enabled"
    );
    assert!(
        lines.iter().any(|l| l.contains("/api/live"))
            && lines.iter().any(|l| l.starts_with("timeout tunnel")),
        "haproxy.cfg: the websocket route /api/live needs its own tunnel timeout"
    );
    // Every backend balances over exactly the API instances.
    let mut backends: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut current = None;
    for line in &lines {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("backend") => current = Some(words.next().expect("backend name")),
            Some("frontend" | "defaults" | "global" | "resolvers" | "listen") => current = None,
            Some("server") => backends
                .entry(current.expect("server line outside a backend"))
                .or_default()
                .push(line),
            _ => {}
        }
    }
    assert!(!backends.is_empty(), "haproxy.cfg: no backend");
    for (backend, servers) in &backends {
        let expected: Vec<String> = stack
            .api
            .iter()
            .map(|name| format!("server {name} {name}:{}", stack.configs[name].bind.port()))
            .collect();
        let listed: Vec<String> = servers
            .iter()
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            listed, expected,
            "haproxy.cfg: backend {backend} must balance over every API instance of {file}"
        );
    }
}

#[test]
fn interpolation_takes_the_defaults() {
    assert_eq!(interpolate("${A:-x}y${B-z}$$"), "xyz$");
    assert_eq!(interpolate("plain"), "plain");
}

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
    let known: BTreeSet<String> = server_vars().into_iter().map(str::to_owned).collect();
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
