//! Client address resolution (S8): `X-Forwarded-For` is believed only when the direct peer is a
//! configured trusted proxy, and then only up to the rightmost address that is not itself trusted.

use ipnet::IpNet;
use std::net::IpAddr;

pub fn resolve(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    // An IPv4 client reaching a dual-stack listener shows as an IPv4-mapped IPv6 address: it is
    // the IPv4 address, for the trusted networks, the rate limits and the audit log alike.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A malformed hop means everything to its left is unverifiable: stop at the last
            // address we could trust.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_mapped_peer_or_hop_is_its_ipv4_address() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(
            resolve(mapped, &["::ffff:203.0.113.9"], &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "a mapped proxy is trusted as the IPv4 address it is"
        );
        let untrusted: IpAddr = "::ffff:198.51.100.1".parse().unwrap();
        assert_eq!(
            resolve(untrusted, &["203.0.113.9"], &trusted),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let got = resolve(ip("203.0.113.9"), &["1.2.3.4"], &nets(&["10.0.0.0/8"]));
        assert_eq!(got, ip("203.0.113.9"));
        assert_eq!(resolve(ip("127.0.0.1"), &["1.2.3.4"], &[]), ip("127.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client prepended a spoofed address; the proxy appended the real one.
        let got = resolve(
            ip("10.0.0.2"),
            &["6.6.6.6, 198.51.100.7, 10.0.0.5"],
            &trusted,
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn several_headers_are_read_in_order_and_garbage_stops_the_walk() {
        let trusted = nets(&["10.0.0.0/8"]);
        let got = resolve(ip("10.0.0.2"), &["6.6.6.6", "198.51.100.7"], &trusted);
        assert_eq!(got, ip("198.51.100.7"));
        let got = resolve(ip("10.0.0.2"), &["6.6.6.6, not-an-ip, 10.0.0.9"], &trusted);
        assert_eq!(got, ip("10.0.0.9"));
        assert_eq!(resolve(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
    }
}
