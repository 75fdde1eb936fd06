//! The scheme vectors (`tests/vectors/webhook_schemes.json`): Standard
//! Webhooks' reference vector, GitHub's documented example, and cases
//! computed from Stripe's and Shopify's documentation by Python's `hmac`.

use clickfence::webhook::{ReplayGuard, Scheme};
use clickfence::{WebhookSigner, WebhookVerifier};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/webhook_schemes.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn headers(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_owned(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn verifier(case: &Value) -> Result<WebhookVerifier, &'static str> {
    let scheme = Scheme::from_name(case["scheme"].as_str().unwrap()).map_err(|e| e.code())?;
    WebhookVerifier::with_scheme(scheme, strings(&case["secrets"])).map_err(|e| e.code())
}

#[test]
fn every_case_passes_or_fails_with_its_code() {
    let all = vectors();
    let cases = all["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let v = verifier(case)
            .unwrap()
            .with_tolerance(case["tolerance"].as_u64().unwrap())
            .unwrap();
        let body = unhex(case["body_hex"].as_str().unwrap());
        let result = v.verify(
            headers(&case["headers"]),
            &body,
            case["now"].as_u64().unwrap(),
        );
        match case["code"].as_str() {
            None => {
                let ok = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    ok.secret_index as u64,
                    case["secret_index"].as_u64().unwrap(),
                    "{name}"
                );
                assert_eq!(ok.scheme, v.scheme(), "{name}");
            }
            Some(code) => assert_eq!(result.map(|_| ()).unwrap_err().code(), code, "{name}"),
        }
    }
}

#[test]
fn bad_settings_have_their_codes() {
    for case in vectors()["construct"].as_array().unwrap() {
        let got = verifier(case).map(|_| ()).unwrap_err();
        assert_eq!(got, case["code"].as_str().unwrap(), "{}", case["name"]);
    }
}

#[test]
fn replay_guards_remember_each_scheme_its_way() {
    for run in vectors()["replay"].as_array().unwrap() {
        let v = verifier(run).unwrap();
        let guard = ReplayGuard::new(v.tolerance(), 100);
        for (i, step) in run["steps"].as_array().unwrap().iter().enumerate() {
            let now = step["now"].as_u64().unwrap();
            let body = unhex(step["body_hex"].as_str().unwrap());
            let got = v
                .verify(headers(&step["headers"]), &body, now)
                .and_then(|ok| guard.check(&ok, now))
                .map_err(|e| e.code());
            assert_eq!(
                got.err(),
                step["code"].as_str(),
                "{} step {i}",
                run["scheme"]
            );
        }
    }
}

#[test]
fn standard_signing_matches_and_verifies() {
    for case in vectors()["sign"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let scheme = Scheme::from_name(case["scheme"].as_str().unwrap()).unwrap();
        let mut signer =
            WebhookSigner::with_scheme(scheme, case["secret"].as_str().unwrap()).unwrap();
        if let Some(previous) = case["previous_secret"].as_str() {
            signer = signer
                .with_previous_secret(previous, case["previous_until"].as_u64().unwrap())
                .unwrap();
        }
        let body = unhex(case["body_hex"].as_str().unwrap());
        let ts = case["timestamp"].as_u64().unwrap();
        let got = signer
            .headers(
                case["event"].as_str().unwrap(),
                case["delivery_id"].as_str().unwrap(),
                ts,
                &body,
            )
            .unwrap();
        let got: Vec<(String, String)> = got.into_iter().map(|(n, v)| (n.to_owned(), v)).collect();
        assert_eq!(got, headers(&case["headers"]), "{name}");
        // A v1a receiver holds the public key; HMAC receivers the secret.
        let key = match case["public_key"].as_str() {
            Some(public) => {
                assert_eq!(signer.public_key().as_deref(), Some(public), "{name}");
                public
            }
            None => case["secret"].as_str().unwrap(),
        };
        let verifier = WebhookVerifier::with_scheme(scheme, [key]).unwrap();
        assert!(verifier.verify(got, &body, ts).is_ok(), "{name}");
    }
}

#[test]
fn providers_formats_are_not_signed_here() {
    for scheme in [Scheme::Stripe, Scheme::GitHub, Scheme::Shopify] {
        let err = WebhookSigner::with_scheme(scheme, "k").unwrap_err();
        assert_eq!(err.code(), "unsupported_scheme");
    }
    let err = WebhookSigner::new("k")
        .unwrap()
        .with_previous_secret("old", 1)
        .unwrap_err();
    assert_eq!(err.code(), "unsupported_scheme");
}

#[test]
fn ids_with_a_dot_are_not_signed_in_standard_webhooks() {
    let secret = WebhookSigner::generate_secret(Scheme::Standard).unwrap();
    let signer = WebhookSigner::with_scheme(Scheme::Standard, &secret).unwrap();
    let err = signer
        .headers("ip.blocked", "msg.1", 1_777_896_000, b"{}")
        .unwrap_err();
    assert_eq!(err.code(), "invalid_header_value");
    // This platform's format signs no id: a dot is fine there.
    let ours = WebhookSigner::new("k").unwrap();
    assert!(ours
        .headers("ip.blocked", "msg.1", 1_777_896_000, b"{}")
        .is_ok());
}

#[test]
fn generated_v1a_keys_sign_what_their_public_key_verifies() {
    let scheme = Scheme::StandardV1aExperimental;
    let secret = WebhookSigner::generate_secret(scheme).unwrap();
    assert!(secret.starts_with("whsk_"));
    let signer = WebhookSigner::with_scheme(scheme, &secret).unwrap();
    let public = signer.public_key().unwrap();
    let headers = signer
        .headers("ip.blocked", "msg_1", 1_777_896_000, b"{}")
        .unwrap();
    let v = WebhookVerifier::with_scheme(scheme, [&public]).unwrap();
    v.verify(headers.clone(), b"{}", 1_777_896_000).unwrap();
    assert_eq!(
        v.verify(headers, b"{} ", 1_777_896_000).unwrap_err().code(),
        "signature_mismatch"
    );
    // The secret key is not a verifying key, nor the public key a signing one.
    assert!(WebhookVerifier::with_scheme(scheme, [&secret]).is_err());
    assert!(WebhookSigner::with_scheme(scheme, &public).is_err());
}

#[test]
fn generated_standard_secrets_verify_what_they_sign() {
    let secret = WebhookSigner::generate_secret(Scheme::Standard).unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 32);
    let signer = WebhookSigner::with_scheme(Scheme::Standard, &secret).unwrap();
    let headers = signer
        .headers("ip.blocked", "msg_1", 1_777_896_000, b"{}")
        .unwrap();
    let v = WebhookVerifier::with_scheme(Scheme::Standard, [&secret]).unwrap();
    v.verify(headers, b"{}", 1_777_896_000).unwrap();
    assert_ne!(
        secret,
        WebhookSigner::generate_secret(Scheme::Standard).unwrap()
    );
}

/// Every byte of a verified delivery's body and of every header value the
/// scheme reads is covered: changing any one of them fails (never panics),
/// except bytes of an unsigned delivery id, which only names the delivery.
#[test]
fn any_changed_byte_of_a_verified_delivery_fails() {
    let mut checked = 0;
    for case in vectors()["cases"].as_array().unwrap() {
        if !case["code"].is_null() {
            continue;
        }
        let v = verifier(case).unwrap();
        let now = case["now"].as_u64().unwrap();
        let body = unhex(case["body_hex"].as_str().unwrap());
        let sent = headers(&case["headers"]);
        let read = |name: &str| {
            v.scheme()
                .headers()
                .contains(&name.to_ascii_lowercase().as_str())
        };
        let unsigned = |name: &str| {
            let name = name.to_ascii_lowercase();
            name == "x-github-delivery" || name == "x-shopify-webhook-id"
        };
        for i in 0..body.len() {
            let mut changed = body.clone();
            changed[i] ^= 0x01;
            assert!(
                v.verify(sent.clone(), &changed, now).is_err(),
                "{} body byte {i}",
                case["name"]
            );
            checked += 1;
        }
        for (h, (name, value)) in sent.iter().enumerate() {
            if !read(name) || unsigned(name) {
                continue;
            }
            for i in 0..value.len() {
                let mut bytes = value.clone().into_bytes();
                bytes[i] ^= 0x01;
                let mut changed = sent.clone();
                changed[h].1 = String::from_utf8_lossy(&bytes).into_owned();
                let result = v.verify(changed, &body, now);
                // A flipped byte may still decode to the same signature
                // (base64 padding bits): then it verifies the same bytes.
                if let Ok(ok) = result {
                    let same = v.verify(sent.clone(), &body, now).unwrap();
                    assert_eq!(
                        ok.signature, same.signature,
                        "{} {name} byte {i}",
                        case["name"]
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}
