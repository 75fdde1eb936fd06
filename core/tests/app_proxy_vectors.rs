//! tests/vectors/app_proxy.json: Shopify's published example and
//! signatures made independently with Python's hmac.

use clickfence::webhook::{app_proxy_signature, verify_app_proxy};
use serde_json::Value;

#[test]
fn app_proxy_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/app_proxy.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let query = c["query"].as_str().unwrap();
        let secret = c["secret"].as_str().unwrap().as_bytes();
        let now = c["now"].as_u64().unwrap();
        let got = verify_app_proxy(query, secret, now);
        match c["error"].as_str() {
            Some(code) => assert_eq!(got.unwrap_err().code(), code, "{name}"),
            None => {
                let r = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                let ok = &c["ok"];
                assert_eq!(r.shop, ok["shop"].as_str().unwrap(), "{name}");
                assert_eq!(r.timestamp, ok["timestamp"].as_u64().unwrap(), "{name}");
                assert_eq!(
                    r.logged_in_customer_id.as_deref(),
                    ok["logged_in_customer_id"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    r.path_prefix.as_deref(),
                    ok["path_prefix"].as_str(),
                    "{name}"
                );
            }
        }
        if let Some(sig) = c["signature"].as_str() {
            assert_eq!(app_proxy_signature(query, secret).unwrap(), sig, "{name}");
        }
    }
}
