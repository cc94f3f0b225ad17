//! The client's address for per-address limits. Behind a reverse proxy the TCP peer is the
//! proxy, so the address comes from `X-Forwarded-For` — but only when the peer is a proxy the
//! configuration trusts (anyone can send the header), and then the right-most entry that is not
//! itself a trusted proxy (entries further left are whatever the client claimed).

use std::net::IpAddr;

use axum::http::HeaderValue;

pub fn client_address(
    peer: IpAddr,
    forwarded_for: Option<&HeaderValue>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for.and_then(|h| h.to_str().ok()) else {
        return peer;
    };
    header
        .rsplit(',')
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
            client_address(proxy, Some(&header), &trusted),
            ip("203.0.113.7")
        );
        // From anyone else, the header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.9"), Some(&header), &trusted),
            ip("198.51.100.9")
        );
        // No trusted proxies configured: the peer, always.
        assert_eq!(client_address(proxy, Some(&header), &[]), proxy);
        // Chained trusted proxies are skipped; garbage stops the walk.
        let chained = HeaderValue::from_static("203.0.113.7, 10.0.0.3");
        assert_eq!(
            client_address(proxy, Some(&chained), &[proxy, ip("10.0.0.3")]),
            ip("203.0.113.7")
        );
        let garbage = HeaderValue::from_static("not-an-ip");
        assert_eq!(client_address(proxy, Some(&garbage), &trusted), proxy);
        assert_eq!(client_address(proxy, None, &trusted), proxy);
    }
}
