//! Signs the spec's example click URL with a freshly generated key and
//! verifies it, printing each step. `cargo run -p clickfence --example sign_and_verify`

use std::time::{SystemTime, UNIX_EPOCH};

use clickfence::{ClickSigner, ClickVerifier, Mode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let verifier = ClickVerifier::new(Mode::Enabled, true);
    let key = verifier.generate_key(36, now)?;
    println!("generated key {} (expires {})", key.id, key.expires_at);

    let url = "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign&clickid=sdkfjasksjskdfj9845weh&af_site_id=12345";
    let signed = ClickSigner::new(key.secret.as_bytes())?.sign(url, now + 300)?;
    println!("signed:   {signed}");

    for (label, candidate) in [
        ("genuine", signed.clone()),
        ("tampered", signed.replace("c=my_campaign", "c=other")),
        ("unsigned", url.to_owned()),
    ] {
        let verdict = verifier.verify(&candidate, now);
        println!(
            "{label:9} -> {} (accepted: {})",
            verdict.outcome.code(),
            verdict.accepted
        );
    }
    print!(
        "{}",
        verifier.report_csv(clickfence::ReportRange::LastDay, now)
    );
    Ok(())
}
