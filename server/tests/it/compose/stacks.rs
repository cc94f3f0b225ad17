//! The compose stacks: the image, the single-instance stack on the real services, the scaled
//! cluster, and interpolation.

use std::collections::{BTreeMap, BTreeSet};

use eventory_server::bus::PARTITIONS;
use secrecy::ExposeSecret;

use super::checks::*;
use super::model::*;
use super::*;

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
    assert!(stack.configs["server"].process.run_workers);
    let ports = words(compose.service("server").get("ports")).unwrap_or_default();
    let port = stack.configs["server"].http.bind.port();
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
            !stack.configs[name].process.run_workers,
            "{file}: {name} must set EVENTORY_RUN_WORKERS=false: the workers run separately"
        );
    }

    // Redis is shared: live updates fan out across instances through it.
    let redis: BTreeSet<_> = stack
        .configs
        .values()
        .map(|c| {
            c.ledger
                .redis_url
                .as_ref()
                .map(|u| u.expose_secret().to_owned())
        })
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
            .map(|name| {
                format!(
                    "server {name} {name}:{}",
                    stack.configs[name].http.bind.port()
                )
            })
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
    assert_eq!(
        interpolate("${EVENTORY_JWT_SECRET:?set it}"),
        REQUIRED[0].1,
        "a required variable takes what the operator set"
    );
}

#[test]
fn no_compose_file_has_a_secret_default() {
    for file in ["docker-compose.yml", "compose.cluster.yml"] {
        let text = read(file);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("EVENTORY_JWT_SECRET:"))
            .collect();
        assert!(!lines.is_empty(), "{file}: sets no EVENTORY_JWT_SECRET");
        for line in lines {
            assert!(
                line.contains("${EVENTORY_JWT_SECRET:?"),
                "{file}: EVENTORY_JWT_SECRET must be required (${{EVENTORY_JWT_SECRET:?message}}), not defaulted: {line}"
            );
        }
    }
}
