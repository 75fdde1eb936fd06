//! Addresses, prefixes and lists.
#![no_main]
use clickfence::ip::{canonical, parse_ip, parse_prefix, BlockList, Granularity};
use clickfence::IpSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(ip) = parse_ip(text) {
        assert_eq!(canonical(ip), ip, "parse_ip returns canonical addresses");
        let _ = Granularity::CLIENT.label(ip);
        let _ = clickfence::ip::is_public(ip);
    }
    if let Ok(net) = parse_prefix(text) {
        let mut blocks = BlockList::new();
        blocks.insert(net, Some(10));
        assert!(blocks.contains(net.network(), 0), "a block covers its own network");
    }
    if let Ok(set) = IpSet::from_lines(text) {
        for line in text.lines() {
            if let Ok(ip) = parse_ip(line.trim()) {
                assert!(set.contains(ip), "a listed address is in the set: {line:?}");
            }
        }
    }
});
