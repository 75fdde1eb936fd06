//! Prints `COUNT` signed click paths, one per line, each a fresh one-time
//! ticket valid for an hour: the signed-click workload of
//! `scripts/load.sh`. `cargo run --release -p clickfence --example
//! sign_many -- SECRET BASE COUNT` (BASE: the server's public click base
//! URL; the paths are printed without it).

use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use clickfence::ClickSigner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [secret, base, count] = args.as_slice() else {
        return Err("usage: sign_many SECRET BASE COUNT".into());
    };
    let count: u64 = count.parse()?;
    let expires = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() + 3600;
    let signer = ClickSigner::new(secret.as_bytes())?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for i in 0..count {
        let url = signer.sign(&format!("{base}/c/1?pid=load&c=camp&clickid=l{i}"), expires)?;
        writeln!(out, "{}", url.trim_start_matches(base.as_str()))?;
    }
    out.flush()?;
    Ok(())
}
