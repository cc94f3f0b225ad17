//! What every compose file must pass.

use std::collections::{BTreeMap, BTreeSet};

use eventory_server::bus::PARTITIONS;
use eventory_server::config::Config;
use secrecy::ExposeSecret;

use super::model::*;
use super::*;

/// What one compose file's checks found, for the file-specific checks.
pub(super) struct Stack {
    pub(super) api: Vec<String>,
    pub(super) workers: Vec<String>,
    pub(super) configs: BTreeMap<String, Config>,
}

/// Checks every compose file must pass.
pub(super) fn check_stack(compose: &Compose) -> Stack {
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
                "{file}: {name} sets {key}, which the server does not read (it reads {known:?})"
            );
        }

        // The values pass the server's own validation and select the cluster services.
        let config = Config::from_sources(None, |key| env.get(key).cloned())
            .unwrap_or_else(|e| panic!("{file}: {name}: the server would refuse this: {e}"));
        let redis = config.ledger.redis_url.as_ref().expect("REDIS_URL");
        let redis = redis.expose_secret().to_owned();
        let mongo = config.store.mongodb_uri.as_ref().expect("MONGODB_URI");
        let mongo = mongo.expose_secret().to_owned();
        let kafka = config.bus.kafka_brokers.clone().expect("KAFKA_BROKERS");
        let secret = config
            .auth
            .jwt_secret
            .as_ref()
            .expect("EVENTORY_JWT_SECRET");
        secrets.insert(secret.expose_secret().to_owned());

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
        let bind = configs[name].http.bind;
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
