//! Prints `COUNT` signed click paths, one per line, each a fresh one-time
//! ticket valid for an hour: the signed-click workload of
//! `scripts/load.sh`. `cargo run --release -p clickfence --example
//! sign_many -- SECRET BASE COUNT [FIRST]` (BASE: the server's public click
//! base URL; the paths are printed without it; FIRST: the first click id's
//! number, 0 unless given, so that two runs in one second print different
//! tickets).

use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use clickfence::ClickSigner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (secret, base, count, first) = match args.as_slice() {
        [secret, base, count] => (secret, base, count, "0"),
        [secret, base, count, first] => (secret, base, count, first.as_str()),
        _ => return Err("usage: sign_many SECRET BASE COUNT [FIRST]".into()),
    };
    let (count, first): (u64, u64) = (count.parse()?, first.parse()?);
    let expires = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() + 3600;
    let signer = ClickSigner::new(secret.as_bytes())?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for i in first..first.saturating_add(count) {
        let url = signer.sign(&format!("{base}/c/1?pid=load&c=camp&clickid=l{i}"), expires)?;
        writeln!(out, "{}", url.trim_start_matches(base.as_str()))?;
    }
    out.flush()?;
    Ok(())
}
