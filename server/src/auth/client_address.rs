//! The client's address for per-address limits. Behind a reverse proxy the TCP peer is the
//! proxy, so the address comes from `X-Forwarded-For` — but only when the peer is a proxy the
//! configuration trusts (anyone can send the header), and then the right-most entry that is not
//! itself a trusted proxy (entries further left are whatever the client claimed). A request
//! may carry the header on several lines (a client sends one, the proxy appends another):
//! they are one list, in order, so the walk from the right starts at the proxy's own line.

use std::net::IpAddr;

use axum::http::HeaderValue;

pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a HeaderValue>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let lines: Vec<&str> = match forwarded_for
        .into_iter()
        .map(|h| h.to_str())
        .collect::<Result<_, _>>()
    {
        Ok(lines) => lines,
        // A line that is not text: believe nothing of it.
        Err(_) => return peer,
    };
    lines
        .iter()
        .rev()
        .flat_map(|line| line.rsplit(','))
        .map(str::trim)
        .map_while(|entry| entry.parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy];
        let header = HeaderValue::from_static("6.6.6.6, 203.0.113.7");
        // From the proxy: the address the proxy saw (right-most), not what the client claimed.
        assert_eq!(
            client_address(proxy, [&header], &trusted),
            ip("203.0.113.7")
        );
        // From anyone else, the header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.9"), [&header], &trusted),
            ip("198.51.100.9")
        );
        // No trusted proxies configured: the peer, always.
        assert_eq!(client_address(proxy, [&header], &[]), proxy);
        // Chained trusted proxies are skipped; garbage stops the walk.
        let chained = HeaderValue::from_static("203.0.113.7, 10.0.0.3");
        assert_eq!(
            client_address(proxy, [&chained], &[proxy, ip("10.0.0.3")]),
            ip("203.0.113.7")
        );
        let garbage = HeaderValue::from_static("not-an-ip");
        assert_eq!(client_address(proxy, [&garbage], &trusted), proxy);
        assert_eq!(client_address(proxy, [], &trusted), proxy);
    }

    #[test]
    fn a_spoofed_first_line_changes_nothing() {
        let proxy = ip("10.0.0.2");
        // The client sent its own X-Forwarded-For line; the proxy appended the real address
        // on a line of its own (HAProxy's `option forwardfor` does this).
        let spoofed = HeaderValue::from_static("1.2.3.4");
        let appended = HeaderValue::from_static("203.0.113.7");
        assert_eq!(
            client_address(proxy, [&spoofed, &appended], &[proxy]),
            ip("203.0.113.7")
        );
        // Whatever the client puts first, it is the same client.
        let other = HeaderValue::from_static("5.6.7.8, 9.9.9.9");
        assert_eq!(
            client_address(proxy, [&other, &appended], &[proxy]),
            ip("203.0.113.7")
        );
    }
}
