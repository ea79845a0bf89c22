//! *Which address do I give out?* A server bound to `tcp://*:5555` listens on every interface,
//! but `*` (or `0.0.0.0`, which is what ZeroMQ reports for it) is not an address a client can
//! connect to. Without `--advertise`, such a server registers the first non-loopback IPv4
//! address of this machine — the classroom Wi-Fi address, usually — and says so.

use std::net::IpAddr;

/// The endpoint to register for a socket whose bound endpoint (ZeroMQ's last endpoint, e.g.
/// `tcp://0.0.0.0:5555`) is `bound`: `Ok((endpoint, guessed))`, `guessed` telling that the
/// address was chosen here rather than given.
pub fn connectable(bound: &str) -> Result<(String, bool), String> {
    let Some((host, port)) = bound
        .strip_prefix("tcp://")
        .and_then(|rest| rest.rsplit_once(':'))
    else {
        return Err(format!(
            "cannot tell a connectable address from {bound}: give --advertise tcp://HOST:PORT"
        ));
    };
    if !matches!(host, "*" | "0.0.0.0" | "[::]" | "::") {
        return Ok((bound.to_string(), false));
    }
    let address = first_non_loopback().ok_or_else(|| {
        format!("{bound} listens on every interface, but this machine has no non-loopback IPv4 address to advertise: give --advertise tcp://HOST:{port}")
    })?;
    Ok((format!("tcp://{address}:{port}"), true))
}

/// The first IPv4 address of an interface that is not loopback.
fn first_non_loopback() -> Option<IpAddr> {
    let interfaces = if_addrs::get_if_addrs().ok()?;
    interfaces
        .into_iter()
        .map(|i| i.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_specific_address_is_advertised_as_bound() {
        assert_eq!(
            connectable("tcp://127.0.0.1:5601"),
            Ok(("tcp://127.0.0.1:5601".to_string(), false))
        );
    }

    #[test]
    fn every_interface_is_replaced_by_a_real_address_or_explained() {
        match connectable("tcp://0.0.0.0:5555") {
            Ok((endpoint, guessed)) => {
                assert!(guessed);
                assert!(
                    endpoint.ends_with(":5555") && !endpoint.contains("0.0.0.0"),
                    "{endpoint}"
                );
            }
            Err(why) => assert!(why.contains("--advertise"), "{why}"),
        }
        assert!(connectable("ipc:///tmp/x")
            .unwrap_err()
            .contains("--advertise"));
    }
}
