//! IP sets at 1k / 100k / 1M mixed prefixes, compiling 1M, and full policy
//! checks with and without a GeoIP country lookup.
//!
//! Run: `cargo bench -p clickfence --bench ip`

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use clickfence::ip::{AccessConfig, AccessPolicy, GeoIp};
use clickfence::IpSet;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// A deterministic xorshift so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 80% IPv4 (/16–/32), 20% IPv6 (/32–/128): the shape of real block lists.
fn prefixes(n: usize, rng: &mut Rng) -> Vec<IpNet> {
    (0..n)
        .map(|_| {
            let r = rng.next();
            if r.is_multiple_of(5) {
                let addr = Ipv6Addr::from(u128::from(rng.next()) << 64 | u128::from(rng.next()));
                IpNet::V6(Ipv6Net::new(addr, 32 + (r % 97) as u8).unwrap().trunc())
            } else {
                let addr = Ipv4Addr::from(rng.next() as u32);
                IpNet::V4(Ipv4Net::new(addr, 16 + (r % 17) as u8).unwrap().trunc())
            }
        })
        .collect()
}

fn probes(rng: &mut Rng) -> Vec<IpAddr> {
    (0..1024)
        .map(|i| {
            if i % 5 == 0 {
                IpAddr::V6(Ipv6Addr::from(
                    u128::from(rng.next()) << 64 | u128::from(rng.next()),
                ))
            } else {
                IpAddr::V4(Ipv4Addr::from(rng.next() as u32))
            }
        })
        .collect()
}

fn ip(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let probes = probes(&mut rng);
    let mut group = c.benchmark_group("ip/set_contains");
    for n in [1_000usize, 100_000, 1_000_000] {
        let set = IpSet::from_nets(prefixes(n, &mut rng));
        group.bench_with_input(BenchmarkId::from_parameter(n), &set, |b, set| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) & 1023;
                set.contains(black_box(probes[i]))
            })
        });
    }
    group.finish();

    let million = prefixes(1_000_000, &mut rng);
    let mut group = c.benchmark_group("ip/set_compile");
    group.sample_size(10);
    group.bench_function("1000000", |b| {
        b.iter_batched(|| million.clone(), IpSet::from_nets, BatchSize::LargeInput)
    });
    group.finish();

    let config = AccessConfig::from_json(
        r#"{"enabled": true, "blockedIPs": ["1.2.3.4", "5.6.7.8"], "blockedCIDRs": ["192.168.0.0/24", "100.64.0.0/10"],
            "blockedCountries": ["RU", "CN"], "allowedIPs": ["10.0.0.1"], "blockVPN": true, "blockDatacenter": true, "blockTor": true}"#,
    )
    .unwrap();
    let tor = Arc::new(IpSet::from_nets(prefixes(2_000, &mut rng)));
    let no_geo = AccessPolicy::builder(config.clone())
        .tor(tor.clone())
        .build()
        .unwrap();
    let visitor: IpAddr = "81.2.69.142".parse().unwrap();
    c.bench_function("ip/check_with_country_hint", |b| {
        let de = "DE".parse().ok();
        b.iter(|| no_geo.check(black_box(visitor), de, 1_700_000_000).unwrap())
    });
    let db_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/geoip/country.mmdb"
    );
    let geo = Arc::new(GeoIp::open(db_path).unwrap());
    let with_geo = AccessPolicy::builder(config)
        .tor(tor)
        .geoip(geo)
        .build()
        .unwrap();
    c.bench_function("ip/check_with_geoip_country", |b| {
        b.iter(|| {
            with_geo
                .check(black_box(visitor), None, 1_700_000_000)
                .unwrap()
        })
    });
    c.bench_function("ip/check_str_with_hint", |b| {
        b.iter(|| {
            no_geo
                .check_str(black_box("81.2.69.142"), Some("DE"), 1_700_000_000)
                .unwrap()
        })
    });
}

criterion_group!(benches, ip);
criterion_main!(benches);
