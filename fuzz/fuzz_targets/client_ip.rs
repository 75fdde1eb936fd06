//! The client address from arbitrary proxy headers.
#![no_main]
use clickfence::ip::{client_ip, ProxyTrust};
use clickfence::IpSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (xff, cf) = text.split_once('\n').unwrap_or((text, ""));
    static TRUST: std::sync::OnceLock<ProxyTrust> = std::sync::OnceLock::new();
    let trust = TRUST.get_or_init(|| ProxyTrust {
        proxies: IpSet::from_strs(["10.0.0.0/8", "2001:db8::/32"]).unwrap_or_default(),
        cloudflare: IpSet::from_strs(["173.245.48.0/20"]).unwrap_or_default(),
    });
    for peer in ["10.1.2.3", "173.245.48.5", "203.0.113.9"] {
        let (ip, _) = client_ip(peer.parse().unwrap_or([0, 0, 0, 0].into()), &[xff], Some(cf), trust);
        if peer == "203.0.113.9" {
            assert_eq!(ip.to_string(), peer, "an untrusted peer's headers are ignored");
        }
    }
});
