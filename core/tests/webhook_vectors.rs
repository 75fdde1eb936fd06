//! The shared webhook vectors (`tests/vectors/webhook.json`), computed by
//! Python's `hmac`, must come out of the core exactly.

use clickfence::{WebhookSigner, WebhookVerifier};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/webhook.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn sign_vectors_match_python_hmac() {
    let all = vectors();
    for case in all["sign"].as_array().unwrap() {
        let signer = WebhookSigner::new(case["secret"].as_str().unwrap()).unwrap();
        let body = unhex(case["body_hex"].as_str().unwrap());
        let got = signer.sign(case["timestamp"].as_u64().unwrap(), &body);
        assert_eq!(got, case["signature"].as_str().unwrap(), "{}", case["name"]);
    }
}

#[test]
fn verify_vectors_pass_or_fail_with_their_codes() {
    let all = vectors();
    let cases = all["verify"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let secrets: Vec<&str> = case["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let verifier = WebhookVerifier::new(secrets)
            .unwrap()
            .with_tolerance(case["tolerance"].as_u64().unwrap())
            .unwrap();
        let headers: Vec<(String, String)> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_owned(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let body = unhex(case["body_hex"].as_str().unwrap());
        let result = verifier.verify(headers, &body, case["now"].as_u64().unwrap());
        match case["code"].as_str() {
            None => {
                let verified = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    verified.secret_index as u64,
                    case["secret_index"].as_u64().unwrap(),
                    "{name}"
                );
            }
            Some(code) => {
                let err = result.expect_err(name);
                assert_eq!(err.code(), code, "{name}: {err}");
            }
        }
    }
}
