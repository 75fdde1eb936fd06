//! GeoIP: open arbitrary bytes as a MaxMind DB and look addresses up.
#![no_main]
use clickfence::GeoIp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(db) = GeoIp::from_bytes(data.to_vec()) else { return };
    for ip in ["1.2.3.4", "2001:db8::1", "::ffff:81.2.69.160", "89.160.20.112", "0.0.0.0"] {
        let ip = ip.parse().unwrap_or([0, 0, 0, 0].into());
        let _ = db.country(ip);
        let _ = db.anonymous(ip);
        let _ = db.asn(ip);
    }
});
