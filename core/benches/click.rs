//! Click signing and verification of the spec's example URL.
//!
//! Run: `cargo bench -p clickfence --bench click`

use clickfence::{ClickSigner, ClickVerifier, Mode};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const URL: &str = "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign&clickid=sdkfjasksjskdfj9845weh&af_site_id=12345";
const KEY: &str = "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=";
const NOW: u64 = 1_597_657_000;

fn click(c: &mut Criterion) {
    let signer = ClickSigner::new(KEY).unwrap();
    let signed = signer.sign(URL, NOW + 118).unwrap();
    let verifier = ClickVerifier::new(Mode::Enabled, true);
    verifier
        .add_key(
            "59ad6547-affc-45eb-a6c9-9805f88ee755",
            KEY,
            NOW + 36 * 3600,
            NOW,
        )
        .unwrap();

    // The floor: HMAC-SHA256 alone over the same signed message, pre-keyed.
    let message = signed.split("&signature=").next().unwrap().to_owned();
    let keyed = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(KEY.as_bytes()).unwrap();
    c.bench_function("click/hmac_sha256_floor", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            hmac::Mac::update(&mut mac, black_box(message.as_bytes()));
            hmac::Mac::finalize(mac).into_bytes()
        })
    });
    c.bench_function("click/sign", |b| {
        b.iter(|| signer.sign(black_box(URL), black_box(NOW + 118)).unwrap())
    });
    // A genuine click is valid once, so each iteration verifies a fresh
    // one (signed outside the timing); `benches/tickets.rs` has the replay.
    c.bench_function("click/verify_valid", |b| {
        b.iter_custom(|iters| {
            let v = ClickVerifier::new(Mode::Enabled, true);
            v.add_key("k", KEY, NOW + 36 * 3600, NOW).unwrap();
            let urls: Vec<String> = (0..iters)
                .map(|i| signer.sign(&format!("{URL}&n={i}"), NOW + 118).unwrap())
                .collect();
            let started = std::time::Instant::now();
            for url in &urls {
                black_box(v.verify(black_box(url), black_box(NOW)));
            }
            started.elapsed()
        })
    });
    let forged = signed.replace("pid=adnetwork_int", "pid=adnetwork_inx");
    c.bench_function("click/verify_forged", |b| {
        b.iter(|| verifier.verify(black_box(&forged), black_box(NOW)))
    });
    c.bench_function("click/verify_missing_signature", |b| {
        b.iter(|| verifier.verify(black_box(URL), black_box(NOW)))
    });
}

criterion_group!(benches, click);
criterion_main!(benches);
