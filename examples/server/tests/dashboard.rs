//! The dashboard over real HTTP, as an attacker would try it: cookies and
//! their attributes, CSRF and cross-site refusals, what each credential may
//! see and do, sessions ending with their credential, sign-in guessing
//! limited like the API's. (The pages themselves are walked in a real
//! browser by `tests/browser`.)

mod common;

use common::{Server, ADMIN_TOKEN, API_SECRET};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A response with its body as text.
struct Page {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

async fn send(
    method: Method,
    url: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
    extra: &[(&str, &str)],
) -> Page {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let body = form.map(req_form);
    if body.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn req_form(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The `name=value` of a `Set-Cookie` for `name`.
fn cookie_pair(page: &Page, name: &str) -> String {
    page.cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", page.cookies()))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Signs in with `credential`: the session cookie (`cf_session=...`) and
/// the CSRF token of the first page.
async fn sign_in(server: &Server, credential: &str) -> (String, String) {
    let form = send(
        Method::GET,
        &server.url("/dashboard/login"),
        None,
        None,
        &[],
    )
    .await;
    let nonce = cookie_pair(&form, "cf_signin");
    let done = send(
        Method::POST,
        &server.url("/dashboard/login"),
        Some(&nonce),
        Some(&[("csrf", &form.csrf()), ("credential", credential)]),
        &[],
    )
    .await;
    assert_eq!(done.status, 303, "signed in: {}", done.body);
    let session = cookie_pair(&done, "cf_session");
    let home = send(
        Method::GET,
        &server.url("/dashboard/"),
        Some(&session),
        None,
        &[],
    )
    .await;
    let first = send(
        Method::GET,
        &server.url(home.location()),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    (session, first.csrf())
}

async fn demo() -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start(&dir.path().join("db.sqlite")).await;
    (dir, server, token.expect("a fresh database is seeded"))
}

fn new_token(server: &Server, abilities: &[&str]) -> (i64, String) {
    let text = clickfence_server::tokens::generate().unwrap();
    let now = clickfence_server::state::now();
    let abilities: Vec<String> = abilities.iter().map(|s| s.to_string()).collect();
    let id = server
        .state
        .store
        .create_token(
            1,
            &clickfence_server::tokens::hash(&text),
            &abilities,
            now + 86_400,
            now,
        )
        .unwrap()
        .unwrap();
    (id, text)
}

#[tokio::test]
async fn the_session_cookie_is_httponly_strict_and_secure_over_https() {
    let (_dir, server, token) = demo().await;
    let form = send(
        Method::GET,
        &server.url("/dashboard/login"),
        None,
        None,
        &[],
    )
    .await;
    let done = send(
        Method::POST,
        &server.url("/dashboard/login"),
        Some(&cookie_pair(&form, "cf_signin")),
        Some(&[("csrf", &form.csrf()), ("credential", &token)]),
        &[],
    )
    .await;
    let set = done
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("cf_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Secure"] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    // The session id is stored hashed: the cookie's value is not in the
    // database.
    let value = set
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("cf_session=");
    let stored = server
        .state
        .store
        .session(
            &clickfence_server::tokens::hash(value),
            clickfence_server::state::now(),
        )
        .unwrap();
    assert!(stored.is_some());
    assert!(server.state.store.session(value, 0).unwrap().is_none());
    server.stop().await;

    // Over plain http (public URL http, no proxy saying https): not Secure.
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = Server::start_with(&dir.path().join("db.sqlite"), |c| {
        c.click_base_url = "http://127.0.0.1".into();
        c.trusted_proxies = clickfence::IpSet::default();
    })
    .await;
    let form = send(
        Method::GET,
        &server.url("/dashboard/login"),
        None,
        None,
        &[],
    )
    .await;
    let plain = send(
        Method::POST,
        &server.url("/dashboard/login"),
        Some(&cookie_pair(&form, "cf_signin")),
        Some(&[("csrf", &form.csrf()), ("credential", &token.unwrap())]),
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert_eq!(plain.status, 303);
    let set = plain.cookies().join("\n");
    assert!(set.contains("HttpOnly") && !set.contains("Secure"), "{set}");
    server.stop().await;
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_or_from_another_site_change_nothing() {
    let (_dir, server, token) = demo().await;
    let (session, csrf) = sign_in(&server, &token).await;
    let url = server.url("/dashboard/sites/1/blocked-ips");
    let block = |csrf: &'static str| [("csrf", csrf), ("ip_address", "203.0.113.50")];
    for (fields, extra) in [(block(""), vec![]), (block("forged"), vec![])] {
        let r = send(Method::POST, &url, Some(&session), Some(&fields), &extra).await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let good = [("csrf", csrf.as_str()), ("ip_address", "203.0.113.50")];
    for extra in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
    ] {
        let r = send(Method::POST, &url, Some(&session), Some(&good), &extra).await;
        assert_eq!(r.status, 403, "{extra:?}: {}", r.body);
    }
    // Another session's token is not this one's.
    let (other, other_csrf) = sign_in(&server, &token).await;
    assert_ne!(other, session);
    let r = send(
        Method::POST,
        &url,
        Some(&session),
        Some(&[
            ("csrf", other_csrf.as_str()),
            ("ip_address", "203.0.113.50"),
        ]),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let blocks = server.state.store.active_blocks(1, 0).unwrap();
    assert!(blocks.is_empty(), "nothing blocked: {blocks:?}");

    // The right token from the same origin works, and is a manual block.
    let host = server.addr.to_string();
    let r = send(
        Method::POST,
        &url,
        Some(&session),
        Some(&good),
        &[("origin", &format!("http://{host}")), ("host", &host)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let listed = server.state.store.blocks(1, 0, None, 10).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].source, "manual");

    // A sign-in form posted without its own cookie (another site's page
    // signing the visitor in to the attacker's account) is refused.
    let r = send(
        Method::POST,
        &server.url("/dashboard/login"),
        None,
        Some(&[("csrf", "x"), ("credential", &token)]),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.cookies().iter().all(|c| !c.starts_with("cf_session=")));
    server.stop().await;
}

#[tokio::test]
async fn a_token_sees_and_does_only_what_its_abilities_allow() {
    let (_dir, server, _token) = demo().await;
    let (_, narrow) = new_token(&server, &["sites:read"]);
    let (session, csrf) = sign_in(&server, &narrow).await;
    let sites = send(
        Method::GET,
        &server.url("/dashboard/sites"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(sites.status, 200);
    assert!(sites.body.contains("Acme Coffee"));
    assert!(
        sites.body.contains("stats:read"),
        "stats are withheld, and it says why"
    );
    assert!(
        !sites.body.contains("/dashboard/tokens"),
        "no token management in the menu"
    );
    for path in [
        "/dashboard/sites/1/clicks",
        "/dashboard/sites/1/blocked-ips",
        "/dashboard/tokens",
        "/dashboard/webhooks",
        "/dashboard/signing",
        "/dashboard/shops",
    ] {
        let r = send(Method::GET, &server.url(path), Some(&session), None, &[]).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = send(
        Method::POST,
        &server.url("/dashboard/sites/1/blocked-ips"),
        Some(&session),
        Some(&[("csrf", csrf.as_str()), ("ip_address", "203.0.113.9")]),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        Method::POST,
        &server.url("/dashboard/tokens"),
        Some(&session),
        Some(&[
            ("csrf", csrf.as_str()),
            ("abilities", "blocked-ips:write"),
            ("expires_in_days", "30"),
        ]),
        &[],
    )
    .await;
    assert_eq!(r.status, 403, "a narrow token cannot mint a wider one");
    assert_eq!(server.state.store.tokens_of(1).unwrap().len(), 2);

    // A reader sees blocks but no buttons to change them.
    let (_, reader) = new_token(&server, &["sites:read", "blocked-ips:read"]);
    let (session, _) = sign_in(&server, &reader).await;
    let r = send(
        Method::GET,
        &server.url("/dashboard/sites/1/blocked-ips"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("Unblock") && !r.body.contains("Block an address"));

    // Another account's site is not found, whatever the token.
    let other = server
        .state
        .store
        .create_account("Other", "pro", 0)
        .unwrap();
    let site = server
        .state
        .store
        .create_site(other, "Theirs", "theirs.example", 0)
        .unwrap();
    let r = send(
        Method::GET,
        &server.url(&format!("/dashboard/sites/{}", site.id)),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn revoking_the_token_or_rotating_a_secret_ends_its_sessions() {
    let (_dir, server, token) = demo().await;
    let (id, second) = new_token(&server, &["sites:read"]);
    let (session, csrf) = sign_in(&server, &token).await;
    let (narrow, _) = sign_in(&server, &second).await;
    // Revoked from the dashboard itself.
    let r = send(
        Method::POST,
        &server.url(&format!("/dashboard/tokens/{id}/revoke")),
        Some(&session),
        Some(&[("csrf", csrf.as_str())]),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(
        Method::GET,
        &server.url("/dashboard/sites"),
        Some(&narrow),
        None,
        &[],
    )
    .await;
    assert_eq!((r.status, r.location()), (303, "/dashboard/login"));
    let api = common::get(&server.url("/api/v1/sites"), Some(&second)).await;
    assert_eq!(api.status, 401);

    // Signing out ends the session on the server, not only in the browser.
    let r = send(
        Method::POST,
        &server.url("/dashboard/logout"),
        Some(&session),
        Some(&[("csrf", csrf.as_str())]),
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(r
        .cookies()
        .iter()
        .any(|c| c.starts_with("cf_session=;") && c.contains("Max-Age=0")));
    let r = send(
        Method::GET,
        &server.url("/dashboard/sites"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    server.stop().await;

    // The admin token and the API secret open their own pages only, and a
    // restart with another secret ends their sessions.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let (server, _) = Server::start(&db).await;
    let (admin, _) = sign_in(&server, ADMIN_TOKEN).await;
    let (shop, _) = sign_in(&server, API_SECRET).await;
    let ok = |s: &str, p: &str| (s.to_owned(), p.to_owned());
    for (session, allowed, refused) in [
        ok(&admin, "/dashboard/signing"),
        ok(&shop, "/dashboard/shops"),
    ]
    .iter()
    .map(|(s, p)| (s.clone(), p.clone(), "/dashboard/sites"))
    {
        let r = send(
            Method::GET,
            &server.url(&allowed),
            Some(&session),
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 200, "{allowed}: {}", r.body);
        let r = send(Method::GET, &server.url(refused), Some(&session), None, &[]).await;
        assert_eq!(r.status, 403);
    }
    server.stop().await;
    let (server, _) = Server::start_with(&db, |c| {
        c.admin_token = Some("a-new-admin-token".into());
        c.api_secret = Some("a-new-secret".into());
    })
    .await;
    for session in [&admin, &shop] {
        let r = send(
            Method::GET,
            &server.url("/dashboard/"),
            Some(session),
            None,
            &[],
        )
        .await;
        assert_eq!(r.location(), "/dashboard/login", "rotated: signed out");
    }
    server.stop().await;
}

#[tokio::test]
async fn guessing_at_the_sign_in_form_is_limited_like_the_api() {
    let (_dir, server, token) = demo().await;
    let form = send(
        Method::GET,
        &server.url("/dashboard/login"),
        None,
        None,
        &[],
    )
    .await;
    let nonce = cookie_pair(&form, "cf_signin");
    let csrf = form.csrf();
    let attempt = |credential: String| {
        let (url, nonce, csrf) = (server.url("/dashboard/login"), nonce.clone(), csrf.clone());
        async move {
            send(
                Method::POST,
                &url,
                Some(&nonce),
                Some(&[("csrf", &csrf), ("credential", &credential)]),
                &[],
            )
            .await
        }
    };
    let limit = clickfence_server::state::AUTH_FAILURES_PER_MINUTE;
    for i in 0..limit {
        let r = attempt(format!("mcs_live_guess{i}")).await;
        assert_eq!(r.status, 401, "guess {i}");
        assert!(r.body.contains("Invalid, expired or revoked token."));
    }
    let r = attempt(format!("mcs_live_guess{limit}")).await;
    assert_eq!(r.status, 429);
    // Past the quota the owners' right credentials still sign in (owners
    // first: every secret is at least 128 bits, so a right guess is not
    // the risk the quota guards against)...
    for right in [token.as_str(), ADMIN_TOKEN, API_SECRET] {
        let r = attempt(right.to_owned()).await;
        assert_eq!(r.status, 303, "{right}");
    }
    // ...and the API shares the count: wrong tokens wait, the right one works.
    let api = common::get(&server.url("/api/v1/sites"), Some("mcs_live_wrong")).await;
    assert_eq!(api.status, 429);
    let api = common::get(&server.url("/api/v1/sites"), Some(&token)).await;
    assert_eq!(api.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn garbage_in_paths_queries_and_forms_gets_a_page_saying_so() {
    let (_dir, server, token) = demo().await;
    let (session, csrf) = sign_in(&server, &token).await;
    for (path, status) in [
        ("/dashboard/sites/abc", 404),
        ("/dashboard/sites/99999", 404),
        ("/dashboard/sites/1?days=12", 422),
        ("/dashboard/sites/1?days=%FF", 422),
        ("/dashboard/sites/1/clicks?status=fraud", 422),
        ("/dashboard/sites/1/clicks?cursor=not-a-cursor", 422),
        ("/dashboard/nowhere", 404),
    ] {
        let r = send(Method::GET, &server.url(path), Some(&session), None, &[]).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
    let url = server.url("/dashboard/sites/1/blocked-ips");
    for (fields, why) in [
        (vec![("ip_address", "999.1.1.1")], "valid IPv4 or IPv6"),
        (
            vec![("ip_address", "203.0.113.1"), ("type", "temporary")],
            "expires_at",
        ),
        (
            vec![("ip_address", "203.0.113.1"), ("type", "forever")],
            "type",
        ),
        (
            vec![("ip_address", "203.0.113.1"), ("expires_at", "2099-01-01")],
            "expires_at",
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        let r = send(Method::POST, &url, Some(&session), Some(&fields), &[]).await;
        assert_eq!(r.status, 422, "{fields:?}: {}", r.body);
        assert!(r.body.contains(why), "{why}: {}", r.body);
        assert!(
            r.body.contains("203.0.113.1") || r.body.contains("999.1.1.1"),
            "the form keeps what was typed"
        );
    }
    assert!(server.state.store.active_blocks(1, 0).unwrap().is_empty());
    // Not a form at all.
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = Request::post(&url)
        .header("cookie", &session)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from("{\"ip_address\":\"203.0.113.1\"}")))
        .unwrap();
    let r = client.request(req).await.unwrap();
    assert_eq!(r.status(), 422);
    // A cookie that is not one of ours is no session.
    for cookie in [
        "cf_session=",
        "cf_session=../../etc",
        "cf_session=AAAA",
        &format!("cf_session={}", "A".repeat(500)),
    ] {
        let r = send(
            Method::GET,
            &server.url("/dashboard/sites"),
            Some(cookie),
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 303, "{cookie}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_sites_page_shows_grace_mode_and_a_pause_with_its_end() {
    let (_dir, server, token) = demo().await;
    let (session, _) = sign_in(&server, &token).await;
    let url = server.url("/dashboard/sites/1");
    let page = || send(Method::GET, &url, Some(&session), None, &[]);
    let before = page().await.body;
    assert!(!before.contains("Grace mode") && !before.contains("paused until"));
    let now = clickfence_server::state::now();
    let until = now + 3_600;
    server.state.write(|tx| tx.pause(1, until, now)).unwrap();
    server
        .state
        .store
        .update_site(
            1,
            &clickfence_server::storage::SiteChanges {
                grace_mode: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let api = common::get(&server.url("/api/v1/sites/1"), Some(&token)).await;
    let paused = api.json["data"]["paused_until"]
        .as_str()
        .unwrap()
        .to_owned();
    let after = page().await.body;
    assert!(
        after.contains("Grace mode: recording, never refusing"),
        "{after}"
    );
    assert!(
        after.contains(&format!(
            "Ad spend paused until <time datetime=\"{paused}\">"
        )),
        "the API's paused_until ({paused}) is on the page: {after}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_shops_page_shows_only_shops_the_server_knows() {
    let (_dir, server, _) = demo().await;
    let (session, _) = sign_in(&server, API_SECRET).await;
    let r = send(
        Method::GET,
        &server.url("/dashboard/shops?shop=Call+0800+to+claim+your+refund"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("Call 0800"), "{}", r.body);
    assert!(r.body.contains("No enrolled shop of that name"));
    server.stop().await;
}

#[tokio::test]
async fn pages_forbid_framing_scripts_and_caching() {
    let (_dir, server, token) = demo().await;
    let (session, _) = sign_in(&server, &token).await;
    let r = send(
        Method::GET,
        &server.url("/dashboard/sites"),
        Some(&session),
        None,
        &[],
    )
    .await;
    let h = |n: &str| {
        r.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(h("content-security-policy").contains("default-src 'none'"));
    assert!(
        !h("content-security-policy").contains("script-src"),
        "no scripts allowed at all"
    );
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("cache-control"), "no-store");
    assert!(
        !r.body.contains("<script"),
        "the dashboard runs no JavaScript"
    );
    server.stop().await;
}

/// The shops page lists enrolled shops only, and shows the owner's
/// protection configuration beside the storefront's last report, warning
/// when they differ (a heartbeat is never applied).
#[tokio::test]
async fn the_shops_page_shows_configuration_and_report_side_by_side() {
    let (_dir, server, _) = demo().await;
    let shop = "mystore.myshopify.com";
    let config = serde_json::json!({"shop": shop, "protections": {"rightClick": true}, "spyDetection": true});
    let r = common::call(
        Method::POST,
        &server.url("/api/sync-protection-config"),
        Some(API_SECRET),
        Some(&config.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A made-up shop's pixel is refused, so it never reaches the list.
    let r = common::call(
        Method::POST,
        &server.url("/api/heartbeat"),
        None,
        Some(r#"{"shop":"aaa.myshopify.com","protections":{}}"#),
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    let (session, _) = sign_in(&server, API_SECRET).await;
    let page = || async {
        send(
            Method::GET,
            &server.url("/dashboard/shops"),
            Some(&session),
            None,
            &[],
        )
        .await
        .body
    };
    let body = page().await;
    assert!(
        body.contains(shop) && !body.contains("aaa.myshopify.com"),
        "{body}"
    );
    assert!(body.contains("No heartbeat yet"), "{body}");
    assert!(body.contains("Today: 0 of 200000 events stored"), "{body}");
    assert!(!body.contains("differs from the configuration"), "{body}");
    let off = serde_json::json!({"shop": shop, "protections": {"rightClick": false}, "spyDetection": false});
    let r = common::call(
        Method::POST,
        &server.url("/api/heartbeat"),
        None,
        Some(&off.to_string()),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let body = page().await;
    assert!(body.contains("differs from the configuration"), "{body}");
    server.stop().await;
}

/// The edge API secret's session enrols and removes shops from the
/// dashboard (with the session's CSRF token); the storefront routes follow.
#[tokio::test]
async fn shops_are_enrolled_and_removed_from_the_dashboard() {
    let (_dir, server, _) = demo().await;
    let shop = "fresh.myshopify.com";
    let (session, csrf) = sign_in(&server, API_SECRET).await;
    let heartbeat = || async {
        common::call(
            Method::POST,
            &server.url("/api/heartbeat"),
            None,
            Some(&serde_json::json!({"shop": shop, "protections": {}}).to_string()),
            &[],
        )
        .await
        .status
    };
    assert_eq!(heartbeat().await, 404);
    let enrol = server.url("/dashboard/shops/enrol");
    let r = send(
        Method::POST,
        &enrol,
        Some(&session),
        Some(&[("csrf", "forged"), ("shop", shop)]),
        &[],
    )
    .await;
    assert_eq!(r.status, 403, "no CSRF token, no enrolment");
    assert_eq!(heartbeat().await, 404);
    let r = send(
        Method::POST,
        &enrol,
        Some(&session),
        Some(&[("csrf", &csrf), ("shop", shop)]),
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(heartbeat().await, 200);
    let page = send(
        Method::GET,
        &server.url("/dashboard/shops"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert!(
        page.body.contains(&format!("Remove {shop}")),
        "{}",
        page.body
    );
    let remove = server.url("/dashboard/shops/remove");
    let r = send(
        Method::POST,
        &remove,
        Some(&session),
        Some(&[("csrf", &csrf), ("shop", shop)]),
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(heartbeat().await, 404);
    server.stop().await;
}

/// Two sign-in tabs: the browser sends its sign-in cookie when the second
/// form loads, and both forms stay valid (the older one used to answer
/// "expired").
#[tokio::test]
async fn two_sign_in_tabs_both_work() {
    let (_dir, server, token) = demo().await;
    let login = server.url("/dashboard/login");
    let first = send(Method::GET, &login, None, None, &[]).await;
    let cookie = cookie_pair(&first, "cf_signin");
    let second = send(Method::GET, &login, Some(&cookie), None, &[]).await;
    // The browser keeps whatever the second page set.
    let cookie = cookie_pair(&second, "cf_signin");
    for tab in [&first, &second] {
        let done = send(
            Method::POST,
            &login,
            Some(&cookie),
            Some(&[("csrf", &tab.csrf()), ("credential", &token)]),
            &[],
        )
        .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
    server.stop().await;
}

/// An endpoint whose full outbox dropped events says how many, what they
/// were and where the receiver finds what it missed; one that dropped
/// nothing says nothing.
#[tokio::test]
async fn the_webhooks_page_shows_what_a_full_outbox_dropped() {
    let (_dir, server, token) = demo().await;
    let store = &server.state.store;
    let full = common::quiet_endpoint(store, &["ip.blocked"]);
    common::quiet_endpoint(store, &["fraud.detected"]);
    store
        .execute_sql(
            "UPDATE webhook_endpoints SET dropped_events = 7 WHERE id = ?1",
            &[&full],
        )
        .unwrap();
    let (session, _) = sign_in(&server, &token).await;
    let page = send(
        Method::GET,
        &server.url("/dashboard/webhooks"),
        Some(&session),
        None,
        &[],
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("events dropped").count(),
        1,
        "{}",
        page.body
    );
    assert!(page.body.contains("7 events dropped"), "{}", page.body);
    assert!(page.body.contains("blocked IPs"));
    server.stop().await;
}
