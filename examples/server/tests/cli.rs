//! The administration subcommands scripts rely on, run as the real binary.

use std::process::Command;

mod common;

fn run(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .arg("--db")
        .arg(common::database(db))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (ok, id, _) = run(
        &db,
        &["account", "create", "--name", "Demo", "--plan", "pro"],
    );
    assert!(ok);
    assert_eq!(id.trim(), "1");
    let (ok, token, _) = run(
        &db,
        &[
            "token",
            "create",
            "--account",
            "1",
            "--abilities",
            "sites:read,stats:read",
            "--expires-in-days",
            "90",
        ],
    );
    assert!(ok);
    assert!(token.trim().starts_with("mcs_live_") && token.trim().len() == 49);
    let (ok, _, err) = run(
        &db,
        &[
            "token",
            "create",
            "--account",
            "1",
            "--expires-in-days",
            "45",
        ],
    );
    assert!(!ok && err.contains("30, 90, 180, 365 or 730"));
    let (ok, _, err) = run(
        &db,
        &[
            "token",
            "create",
            "--account",
            "1",
            "--abilities",
            "sites:write",
        ],
    );
    assert!(!ok && err.contains("unknown ability"));
    let (ok, list, _) = run(&db, &["token", "list", "--account", "1"]);
    assert!(
        ok && list.contains("active") && !list.contains("mcs_live_"),
        "the token text is never shown again"
    );
    let (ok, out, _) = run(
        &db,
        &[
            "account",
            "set-plan",
            "--account",
            "1",
            "--plan",
            "business",
        ],
    );
    assert!(ok && out.contains("plan=business"));
    let (ok, _, err) = run(
        &db,
        &["account", "set-plan", "--account", "1", "--plan", "gold"],
    );
    assert!(!ok && err.contains("starter, pro, business"));
    let (ok, site, _) = run(
        &db,
        &[
            "site",
            "create",
            "--account",
            "1",
            "--name",
            "Shop",
            "--domain",
            "shop.example",
        ],
    );
    assert!(ok && site.trim() == "1");
    let (ok, _, err) = run(
        &db,
        &[
            "site",
            "update",
            "--site",
            "1",
            "--block-threshold",
            "30",
            "--flag-threshold",
            "50",
        ],
    );
    assert!(!ok && err.contains("thresholds"));
    // Internal addresses are refused (SSRF), in every spelling.
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:22",
        "http://0x7f000001/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost:8080/",
        "http://",
        "http://127.0.0.1:9/hook",
    ] {
        let (ok, _, err) = run(
            &db,
            &[
                "webhook",
                "add",
                "--account",
                "1",
                "--url",
                url,
                "--events",
                "ip.blocked",
            ],
        );
        assert!(!ok && err.contains("url"), "{url} was accepted: {err}");
    }
    // --allow-private-webhooks lifts the address rule for local development.
    let (ok, secret, _) = run(
        &db,
        &[
            "--allow-private-webhooks",
            "webhook",
            "add",
            "--account",
            "1",
            "--url",
            "http://127.0.0.1:9/hook",
            "--events",
            "ip.blocked,ip.unblocked",
        ],
    );
    assert!(ok && secret.trim().starts_with("whsec_"));
    let (ok, _, err) = run(
        &db,
        &[
            "webhook",
            "add",
            "--account",
            "1",
            "--url",
            "https://hooks.example.com/",
            "--events",
            "ip.exploded",
        ],
    );
    assert!(!ok && err.contains("unknown webhook event"));
    let (ok, list, _) = run(&db, &["webhook", "list", "--account", "1"]);
    assert!(ok && list.contains("enabled") && !list.contains("whsec_"));
    let (ok, _, _) = run(
        &db,
        &[
            "block",
            "add",
            "--site",
            "1",
            "--ip",
            "203.0.113.7",
            "--reason",
            "manual",
        ],
    );
    assert!(ok);
    let (ok, _, err) = run(&db, &["block", "add", "--site", "1", "--ip", "010.0.0.1"]);
    assert!(!ok && err.contains("not an IP address"));
    let (ok, _, _) = run(
        &db,
        &["block", "remove", "--site", "1", "--ip", "203.0.113.7"],
    );
    assert!(ok);
}

/// Every global option has an environment variable, and the guide's table
/// lists each with it.
#[test]
fn every_option_has_an_env_var_listed_in_the_readme() {
    let out = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/src/server/configuration.md"
    ))
    .unwrap();
    let lines: Vec<&str> = help.lines().collect();
    let mut seen = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(option) = line.trim().strip_prefix("--") else {
            continue;
        };
        let option = option.split([' ', '<']).next().unwrap();
        if option == "help" || option == "version" {
            continue;
        }
        let text = lines[i + 1];
        let env = text
            .split("[env: ")
            .nth(1)
            .and_then(|e| e.split([']', '=']).next())
            .unwrap_or_else(|| panic!("--{option} has no environment variable"));
        let row = format!("| `--{option}` | `{env}` |");
        assert!(
            readme.contains(&row),
            "docs/src/server/configuration.md lacks the row {row}"
        );
        seen += 1;
    }
    assert!(seen >= 20, "{seen} options read from --help");
}

/// `--asn-db` must be an ASN database: a country database is refused at
/// start with the option named, not at the first click.
#[test]
fn an_asn_database_of_the_wrong_kind_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    let vectors =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/geoip");
    let out = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .args(["--db", &db, "--listen", "127.0.0.1:0", "--asn-db"])
        .arg(vectors.join("country.mmdb"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--asn-db") && stderr.contains("ASN"),
        "{stderr}"
    );
}

/// `shop enroll | list | remove`: the operator's path to enrolment.
#[test]
fn shops_are_enrolled_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let shop = "mystore.myshopify.com";
    let (ok, out, _) = run(&db, &["shop", "enroll", shop]);
    assert!(ok && out.contains("enrolled"), "{out}");
    let (ok, out, _) = run(&db, &["shop", "enroll", shop]);
    assert!(ok && out.contains("already enrolled"), "{out}");
    let (ok, out, _) = run(&db, &["shop", "list"]);
    assert!(ok);
    assert_eq!(out.trim(), shop);
    let (ok, _, _) = run(&db, &["shop", "remove", shop]);
    assert!(ok);
    let (ok, _, err) = run(&db, &["shop", "remove", shop]);
    assert!(!ok, "removing a shop that is not enrolled fails");
    assert!(err.contains(shop), "{err}");
    let (ok, _, err) = run(&db, &["shop", "enroll", ""]);
    assert!(!ok && err.contains("shop"), "{err}");
    let (_, out, _) = run(&db, &["shop", "list"]);
    assert!(out.trim().is_empty(), "{out}");
}

/// Serving with Cloudflare's ranges trusted and no origin secret says so at
/// start (the log line names the option); with the secret it does not.
#[test]
fn trusting_cloudflare_without_an_origin_secret_is_warned_at_start() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    for (secret, warned) in [
        (None, true),
        (Some("zone-origin-secret-Qm7tV2xK9pR4wB8n"), false),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clickfence-server"));
        cmd.args(["--db", &db, "--listen", "127.0.0.1:0"])
            .env_remove("CLICKFENCE_CLOUDFLARE_ORIGIN_SECRET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(secret) = secret {
            cmd.args(["--cloudflare-origin-secret", secret]);
        }
        let mut child = cmd.spawn().unwrap();
        // The banner ends with "Listening" on stderr; the log is on stdout.
        let stderr = BufReader::new(child.stderr.take().unwrap());
        for line in stderr.lines() {
            if line.unwrap().starts_with("Listening") {
                break;
            }
        }
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        let log = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            log.contains("cloudflare_origin_secret_unset"),
            warned,
            "{log}"
        );
        if let Some(secret) = secret {
            assert!(!log.contains(secret), "the secret is never logged");
        }
    }
}

/// `--listen 127.0.0.1:0` binds a free port, and links signed for that
/// port verify: the default click base URL names the port bound, not 0.
#[tokio::test]
async fn a_free_port_is_the_click_base_url_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .args([
            "--db",
            &db,
            "--listen",
            "127.0.0.1:0",
            "--admin-token",
            common::ADMIN_TOKEN,
        ])
        .env_remove("CLICKFENCE_CLICK_BASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The pipe stays open while the server runs: it may still write to it.
    let (base, _stderr) = base_url(&mut child);
    assert!(!base.ends_with(":0"), "{base}");
    let admin = |path: &str| {
        let url = format!("{base}/api/p360-click-signing{path}");
        async move {
            common::call(
                hyper::Method::POST,
                &url,
                Some(common::ADMIN_TOKEN),
                None,
                &[],
            )
            .await
        }
    };
    let key = admin("/secret?ttlHours=36").await;
    let secret = key.json["secret-key"].as_str().unwrap().to_owned();
    assert_eq!(admin("/config/mode/enabled").await.status, 200);
    let expires = clickfence_server::state::now() as u64 + 600;
    let link = clickfence::ClickSigner::new(&secret)
        .unwrap()
        .sign(
            &format!("{base}/com.app.id?pid=net&c=camp&clickid=abc123"),
            expires,
        )
        .unwrap();
    let chrome = ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    let r = common::call(hyper::Method::GET, &link, None, None, &[chrome]).await;
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(r.json["status"], "valid", "{}", r.body);
}

/// `--published-ranges` loads each publisher's file at start (a bad one is
/// refused, naming it), and `/readyz` reports each file's date, age and
/// whether it is older than `--data-max-age-days`, without failing
/// readiness.
#[tokio::test]
async fn published_ranges_load_at_start_and_readiness_reports_their_age() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    let ranges =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/ranges");
    let file = |f: &str| ranges.join(f).display().to_string();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"prefixes": [{"ip_prefix": "3.4.12.4/33"}]}"#).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .args(["--db", &db, "--listen", "127.0.0.1:0", "--published-ranges"])
        .arg(format!("aws={}", bad.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && err.contains("prefixes[0]"),
        "{err}"
    );
    let list = format!(
        "aws={},tor-exits={},apple-private-relay={}",
        file("aws-ip-ranges.json"),
        file("tor-bulk-exit-list.txt"),
        file("apple-egress-ip-ranges.csv")
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .args([
            "--db",
            &db,
            "--listen",
            "127.0.0.1:0",
            "--published-ranges",
            &list,
        ])
        .args(["--data-max-age-days", "3650"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The pipe stays open while the server runs: it may still write to it.
    let (base, _stderr) = base_url(&mut child);
    let ready = common::get(&format!("{base}/readyz"), None).await;
    child.kill().unwrap();
    let _ = child.wait();
    let data = ready.json["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 3, "{}", ready.json);
    let aws = data
        .iter()
        .find(|d| d["source"].as_str().unwrap().starts_with("aws:"))
        .unwrap();
    assert_eq!(aws["date"], "2026-12-03-23-20-07");
    assert_eq!(aws["degraded"], false, "{aws}");
    assert!(aws["age_days"].as_u64().is_some());
    let tor = data
        .iter()
        .find(|d| d["source"].as_str().unwrap().starts_with("tor-exits:"))
        .unwrap();
    assert_eq!(
        tor["date"],
        serde_json::Value::Null,
        "no date: its modification time counts"
    );
    assert_eq!(ready.status, 200);
}

/// Data older than the configured age is degraded, and readiness holds.
#[test]
fn data_older_than_the_limit_is_degraded() {
    let f = clickfence_server::state::DataFile {
        source: "aws:x".into(),
        date: Some("2026-11-01".into()),
        as_of: Some(1_793_491_200),
    };
    assert_eq!(f.age_days(1_793_491_200 + 31 * 86_400), Some(31));
    assert_eq!(f.age_days(1_793_491_200 - 5), Some(0));
}

/// Starts the real binary on a free port over `db`; returns the child, its
/// base URL and its stderr up to the "Listening" line.
fn start(db: &str, extra: &[&str]) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_clickfence-server"))
        .args([
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
            "--admin-token",
            common::ADMIN_TOKEN,
        ])
        .args(extra)
        .env_remove("CLICKFENCE_NO_DEMO")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.strip_prefix("Listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_owned();
            // The pipe stays open (and drained) while the server runs.
            std::thread::spawn(move || lines.for_each(drop));
            return (child, base, banner);
        }
    }
    let _ = child.wait();
    panic!("the server exited: {banner}");
}

/// A new database starts with yesterday's demo day played through the
/// click pipeline: valid, flagged and blocked clicks with their reasons,
/// both categories of invalid traffic, and nothing reacted to (no block,
/// pause, delivery, signing key or report count). `demo remove` deletes
/// them; `--no-demo` starts empty; an existing database is never seeded.
#[tokio::test]
async fn a_new_database_shows_a_demo_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::database(&dir.path().join("db"))
        .display()
        .to_string();
    let (mut child, base, banner) = start(&db, &[]);
    let token = banner
        .split_whitespace()
        .find(|w| w.starts_with("mcs_live_"))
        .unwrap()
        .to_owned();
    assert!(banner.contains("demo remove"), "{banner}");
    let stats = common::get(&format!("{base}/api/v1/sites/1/stats?days=7"), Some(&token)).await;
    let s = &stats.json["data"];
    let n = |k: &str| s[k].as_i64().unwrap_or(-1);
    assert!(n("total_clicks") > 300, "{s}");
    for k in [
        "flagged_clicks",
        "blocked_clicks",
        "givt_clicks",
        "sivt_clicks",
    ] {
        assert!(n(k) > 0, "{k}: {s}");
    }
    let clicks = common::get(
        &format!("{base}/api/v1/sites/1/clicks?status=flagged"),
        Some(&token),
    )
    .await;
    assert!(!clicks.json["data"][0]["reasons"]
        .as_array()
        .unwrap()
        .is_empty());
    let site = common::get(&format!("{base}/api/v1/sites/1"), Some(&token)).await;
    assert!(site.json["data"]["paused_until"].is_null(), "{}", site.json);
    assert_eq!(
        common::get(&format!("{base}/api/v1/sites/1/blocked-ips"), Some(&token))
            .await
            .json["data"],
        serde_json::json!([])
    );
    let auth = format!("Bearer {}", common::ADMIN_TOKEN);
    let config = common::call(
        hyper::Method::GET,
        &format!("{base}/api/p360-click-signing/config"),
        None,
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(
        config.json["active-key-ids"],
        serde_json::json!([]),
        "{}",
        config.json
    );
    child.kill().unwrap();
    let _ = child.wait();

    // An existing database is left as it is.
    let (mut again, _, banner) = start(&db, &[]);
    assert!(!banner.contains("demo day"), "{banner}");
    again.kill().unwrap();
    let _ = again.wait();
    let (ok, out, err) = run(&dir.path().join("db"), &["demo", "remove"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("removed {} demo clicks", n("total_clicks"))),
        "{out}"
    );

    let empty = tempfile::tempdir().unwrap();
    let db = common::database(&empty.path().join("db"))
        .display()
        .to_string();
    let (mut child, base, banner) = start(&db, &["--no-demo"]);
    let token = banner
        .split_whitespace()
        .find(|w| w.starts_with("mcs_live_"))
        .unwrap()
        .to_owned();
    let stats = common::get(&format!("{base}/api/v1/sites/1/stats"), Some(&token)).await;
    assert_eq!(stats.json["data"]["total_clicks"], 0, "{}", stats.json);
    child.kill().unwrap();
    let _ = child.wait();
}

/// Listening on every address, the default click base URL would name an
/// address no visitor can reach: the server says so and names the flag.
#[test]
fn a_wildcard_listen_address_asks_for_a_click_base_url() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    for (base, warned) in [(None, true), (Some("https://clicks.example.com"), false)] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clickfence-server"));
        cmd.args(["--db", &db, "--listen", "0.0.0.0:0"])
            .env_remove("CLICKFENCE_CLICK_BASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(base) = base {
            cmd.args(["--click-base-url", base]);
        }
        let mut child = cmd.spawn().unwrap();
        let mut seen = String::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            let done = line.starts_with("Listening");
            seen.push_str(&line);
            seen.push('\n');
            if done {
                break;
            }
        }
        child.kill().unwrap();
        let _ = child.wait();
        assert_eq!(seen.contains("--click-base-url"), warned, "{seen}");
    }
}

/// A simulated clock lets any client choose when its click is judged, so
/// it is refused on an address others can reach.
#[test]
fn a_simulated_clock_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (ok, _, err) = run(&db, &["--simulated-clock", "--listen", "0.0.0.0:0"]);
    assert!(!ok);
    assert!(err.contains("--simulated-clock"), "{err}");
    assert!(err.contains("loopback"), "{err}");
}

/// The base URL a started server prints on stderr ("Listening on ..."),
/// and the rest of its stderr.
fn base_url(
    child: &mut std::process::Child,
) -> (String, std::io::BufReader<std::process::ChildStderr>) {
    use std::io::{BufRead, BufReader};
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the server exited"
        );
        if let Some(rest) = line.strip_prefix("Listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_owned();
            return (base, stderr);
        }
    }
}
