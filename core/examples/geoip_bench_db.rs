//! Writes a MaxMind-format country database covering all of IPv4 in /16
//! networks (65,536 records), for the bindings' GeoIP benches: random
//! addresses then always find a record, so a reader's cache misses are
//! measured on real lookups rather than on early misses in a tiny file.
//!
//!     cargo run -p clickfence --example geoip_bench_db -- target/bench-country.mmdb

use std::time::{Duration, UNIX_EPOCH};

use mmdb_writer::{Value, Writer};

const COUNTRIES: [&str; 16] = [
    "US", "DE", "FR", "GB", "IN", "BR", "JP", "NL", "CN", "RU", "CA", "AU", "ES", "IT", "SE", "PL",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench-country.mmdb".to_owned());
    let mut w = Writer::builder("GeoIP2-Country")
        .build_epoch(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .build();
    for n in 0u32..65_536 {
        let code = COUNTRIES[(n as usize * 7 + (n as usize >> 8)) % COUNTRIES.len()];
        let iso = Value::map([("iso_code", Value::from(code))]);
        let net = format!("{}.{}.0.0/16", n >> 8, n & 255).parse::<ipnet::IpNet>()?;
        w.insert_value(
            net,
            Value::map([("country", iso.clone()), ("registered_country", iso)]),
        )?;
    }
    std::fs::write(&out, w.to_bytes()?)?;
    println!("geoip_bench_db: wrote {out}");
    Ok(())
}
