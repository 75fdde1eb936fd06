//! Webhook verification: a 300-byte and a 64 KiB body, and rejections that
//! must cost no HMAC.
//!
//! Run: `cargo bench -p clickfence --bench webhook`

use clickfence::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use clickfence::{WebhookSigner, WebhookVerifier};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const NOW: u64 = 1_777_896_000;

fn webhook(c: &mut Criterion) {
    let signer = WebhookSigner::new("whsec_3f9c2a7e1b").unwrap();
    let verifier = WebhookVerifier::new(["whsec_3f9c2a7e1b"]).unwrap();
    let ts = NOW.to_string();

    let mut group = c.benchmark_group("webhook/verify");
    for size in [300usize, 64 * 1024] {
        let body: Vec<u8> = (0..size)
            .map(|i| b"{\"event\":\"ip.blocked\"}"[i % 22])
            .collect();
        let sig = signer.sign(NOW, &body);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &body, |b, body| {
            b.iter(|| {
                let headers = [
                    (TIMESTAMP_HEADER, ts.as_str()),
                    (SIGNATURE_HEADER, sig.as_str()),
                ];
                verifier
                    .verify(black_box(headers), black_box(body), NOW)
                    .unwrap()
            })
        });
    }
    group.finish();

    let body = vec![b'x'; 300];
    let sig = signer.sign(NOW - 1000, &body);
    let stale = (NOW - 1000).to_string();
    c.bench_function("webhook/reject_stale", |b| {
        b.iter(|| {
            let headers = [
                (TIMESTAMP_HEADER, stale.as_str()),
                (SIGNATURE_HEADER, sig.as_str()),
            ];
            verifier
                .verify(black_box(headers), black_box(&body), NOW)
                .unwrap_err()
        })
    });
    c.bench_function("webhook/reject_malformed_signature", |b| {
        b.iter(|| {
            let headers = [
                (TIMESTAMP_HEADER, ts.as_str()),
                (SIGNATURE_HEADER, "sha256=abc"),
            ];
            verifier
                .verify(black_box(headers), black_box(&body), NOW)
                .unwrap_err()
        })
    });
    c.bench_function("webhook/sign_300", |b| {
        b.iter(|| signer.sign(black_box(NOW), black_box(&body)))
    });
}

criterion_group!(benches, webhook);
criterion_main!(benches);
