//! An account's IP whitelist (IP白名单): with one set, a token call from an
//! address not on it answers 40164 with an errmsg that names the address,
//! as WeChat's does (`invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not
//! in whitelist rid: …`). WeChat checks the whitelist on the token
//! endpoints, where the AppSecret is used; so does the simulator. None is
//! set at first, and a reset lifts it.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::Serialize;

/// The addresses an account lets fetch tokens, and the address WeChat
/// sees the caller at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IpWhitelist {
    /// The addresses allowed; an empty list allows none.
    pub whitelist: BTreeSet<IpAddr>,
    /// The address token calls come from as WeChat sees it (a server
    /// behind NAT calls from its public address); `None`: the connection's
    /// own peer address.
    pub egress_ip: Option<IpAddr>,
}

impl IpWhitelist {
    /// A whitelist of `addresses`.
    pub fn allowing(addresses: impl IntoIterator<Item = IpAddr>) -> IpWhitelist {
        IpWhitelist {
            whitelist: addresses.into_iter().map(|ip| ip.to_canonical()).collect(),
            egress_ip: None,
        }
    }

    /// The same whitelist, with token calls seen as coming from `address`.
    pub fn seeing_calls_from(mut self, address: IpAddr) -> IpWhitelist {
        self.egress_ip = Some(address);
        self
    }

    /// Why a token call from `peer` (the connection's address, when known)
    /// is refused: the errmsg of its 40164, naming the address; `None`
    /// when the call may go through.
    pub(crate) fn refusal(&self, peer: Option<IpAddr>) -> Option<String> {
        let caller = self.egress_ip.or(peer).map(|ip| ip.to_canonical());
        match caller {
            Some(ip) if self.whitelist.iter().any(|w| w.to_canonical() == ip) => None,
            Some(IpAddr::V4(ip)) => Some(format!(
                "invalid ip {ip} ipv6 ::ffff:{ip}, not in whitelist"
            )),
            Some(IpAddr::V6(ip)) => Some(format!("invalid ip {ip} ipv6 {ip}, not in whitelist")),
            None => Some("invalid ip, not in whitelist".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::check::ip_in_errmsg;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_on_the_whitelist_passes_in_either_notation() {
        let list = IpWhitelist::allowing([ip("127.0.0.1"), ip("2001:db8::1")]);
        assert_eq!(list.refusal(Some(ip("127.0.0.1"))), None);
        assert_eq!(list.refusal(Some(ip("::ffff:127.0.0.1"))), None);
        assert_eq!(list.refusal(Some(ip("2001:db8::1"))), None);
    }

    #[test]
    fn another_address_is_40164_naming_it_as_wechat_does() {
        let list = IpWhitelist::allowing([ip("198.51.100.1")]);
        let refused = list.refusal(Some(ip("127.0.0.1"))).unwrap();
        assert_eq!(
            refused,
            "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist"
        );
        // What the console reads back out of it.
        assert_eq!(ip_in_errmsg(&refused), Some(ip("127.0.0.1")));
        let v6 = list.refusal(Some(ip("2001:db8::9"))).unwrap();
        assert_eq!(ip_in_errmsg(&v6), Some(ip("2001:db8::9")));
        let unknown = list.refusal(None).unwrap();
        assert_eq!(ip_in_errmsg(&unknown), None);
    }

    #[test]
    fn the_egress_address_stands_for_the_peer() {
        let list = IpWhitelist::allowing([ip("127.0.0.1")]).seeing_calls_from(ip("203.0.113.7"));
        let refused = list.refusal(Some(ip("127.0.0.1"))).unwrap();
        assert_eq!(ip_in_errmsg(&refused), Some(ip("203.0.113.7")));
        let allowed =
            IpWhitelist::allowing([ip("203.0.113.7")]).seeing_calls_from(ip("203.0.113.7"));
        assert_eq!(allowed.refusal(Some(ip("127.0.0.1"))), None);
        assert_eq!(allowed.refusal(None), None);
    }

    #[test]
    fn an_empty_whitelist_allows_no_one() {
        assert!(
            IpWhitelist::default()
                .refusal(Some(ip("127.0.0.1")))
                .is_some()
        );
    }
}
