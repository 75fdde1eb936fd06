//! IP sets, GeoIP readers and access policies.

use std::sync::Arc;

use clickfence::ip::{parse_ip, AccessConfig, AccessPolicy, BlockKind, BlockReason, BlockRecord};
use clickfence::{GeoIp, IpSet};

use crate::buf::{bytes, free_handle, handle, new_handle, opt_text, put, text, tri, write_str};
use crate::status::{clickfence_status, core_error, fail, guard};
use crate::webhook::clickfence_bytes;

/// An opened MaxMind DB (opaque; thread-safe). A policy keeps its own
/// reference, so the reader may be freed after building policies.
pub struct clickfence_geoip(Arc<GeoIp>);

/// A compiled set of addresses and CIDRs (opaque; thread-safe).
pub struct clickfence_ip_set(pub(crate) Arc<IpSet>, Option<String>);

/// A compiled IP access policy (opaque; thread-safe).
pub struct clickfence_access_policy(AccessPolicy);

/// A per-site blocked address.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_block {
    /// The address, as text.
    pub ip: clickfence_bytes,
    /// Unix seconds when a temporary block ends; 0 for a permanent block.
    pub expires_at: u64,
}

/// Optional data sources and block records for a policy; any pointer may be
/// NULL (with `block_count` 0 for `blocks`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_access_sources {
    /// Country / City / Enterprise database.
    pub geoip: *const clickfence_geoip,
    /// GeoIP2 Anonymous IP database.
    pub anonymous_ip: *const clickfence_geoip,
    /// Tor exit list.
    pub tor: *const clickfence_ip_set,
    /// VPN ranges.
    pub vpn: *const clickfence_ip_set,
    /// Datacenter ranges.
    pub datacenter: *const clickfence_ip_set,
    /// Per-site block records.
    pub blocks: *const clickfence_block,
    /// Number of `blocks`.
    pub block_count: usize,
}

/// Why a visitor was blocked.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_block_reason {
    /// Allowed: no reason.
    ClickfenceReasonNone = 0,
    /// `blocked_ip`
    ClickfenceReasonBlockedIp = 1,
    /// `blocked_cidr`
    ClickfenceReasonBlockedCidr = 2,
    /// `blocked_country`
    ClickfenceReasonBlockedCountry = 3,
    /// `blocked_tor`
    ClickfenceReasonBlockedTor = 4,
    /// `blocked_vpn`
    ClickfenceReasonBlockedVpn = 5,
    /// `blocked_datacenter`
    ClickfenceReasonBlockedDatacenter = 6,
}

/// The answer to check-ip-access.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_access_decision {
    /// Whether the visitor may proceed.
    pub allowed: bool,
    /// Why not (`CLICKFENCE_REASON_NONE` when allowed).
    pub reason: clickfence_block_reason,
    /// The visitor's country when blocked (`XX` when unknown), NUL-terminated;
    /// empty when allowed.
    pub country: [u8; 3],
    /// The country hint was malformed and read as unknown (the address
    /// rules decided).
    pub country_hint_ignored: bool,
}

/// Opens a MaxMind DB file (path as bytes, no NUL needed).
///
/// # Safety
/// `path` valid for `path_len` bytes; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_geoip_open(
    path: *const u8,
    path_len: usize,
    out: *mut *mut clickfence_geoip,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let path = tri!(unsafe { text(path, path_len, "path") });
        let db = tri!(GeoIp::open(path).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_geoip(Arc::new(db))) }
    })
}

/// Frees a reader; NULL is a no-op.
///
/// # Safety
/// NULL or a live reader, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_geoip_free(geoip: *mut clickfence_geoip) {
    // SAFETY: caller contract.
    unsafe { free_handle(geoip) }
}

/// Looks up the country of `ip`. `country` (3 bytes) gets the code and a NUL,
/// or an empty string when the database has none.
///
/// # Safety
/// Pointers valid for their lengths; `country` valid for 3 bytes.
#[no_mangle]
pub unsafe extern "C" fn clickfence_geoip_country(
    geoip: *const clickfence_geoip,
    ip: *const u8,
    ip_len: usize,
    country: *mut u8,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let db = tri!(unsafe { handle(geoip, "geoip") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ip = tri!(parse_ip(tri!(unsafe { text(ip, ip_len, "ip") })).map_err(core_error));
        if country.is_null() {
            return fail(clickfence_status::ClickfenceNullArgument, "country is NULL");
        }
        let code = tri!(db.0.country(ip).map_err(core_error));
        let mut out = [0u8; 3];
        if let Some(c) = code {
            out[..2].copy_from_slice(c.as_str().as_bytes());
        }
        // SAFETY: `country` is valid for 3 bytes by contract.
        unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), country, 3) };
        clickfence_status::ClickfenceOk
    })
}

/// The flags of a GeoIP2 Anonymous IP record (all false when there is none).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct clickfence_anonymous_flags {
    /// `is_anonymous`: any kind of anonymizer.
    pub anonymous: bool,
    /// `is_anonymous_vpn`: counts as VPN.
    pub vpn: bool,
    /// `is_hosting_provider`: counts as datacenter.
    pub hosting: bool,
    /// `is_public_proxy`.
    pub public_proxy: bool,
    /// `is_residential_proxy`.
    pub residential_proxy: bool,
    /// `is_tor_exit_node`: counts as Tor.
    pub tor: bool,
}

/// Looks up `ip` in an Anonymous IP database
/// (`CLICKFENCE_WRONG_DATABASE_TYPE` for another kind).
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_geoip_anonymous(
    geoip: *const clickfence_geoip,
    ip: *const u8,
    ip_len: usize,
    out: *mut clickfence_anonymous_flags,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let db = tri!(unsafe { handle(geoip, "geoip") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ip = tri!(parse_ip(tri!(unsafe { text(ip, ip_len, "ip") })).map_err(core_error));
        let f = tri!(db.0.anonymous(ip).map_err(core_error));
        let flags = clickfence_anonymous_flags {
            anonymous: f.anonymous,
            vpn: f.vpn,
            hosting: f.hosting,
            public_proxy: f.public_proxy,
            residential_proxy: f.residential_proxy,
            tor: f.tor,
        };
        // SAFETY: `out` valid per this function's contract.
        unsafe { put(out, flags, "out") }
    })
}

/// Looks up `ip` in an ASN database (`CLICKFENCE_WRONG_DATABASE_TYPE` for
/// another kind). `number` gets the AS number, 0 when the database has no
/// record; `buf` the organization (empty when none).
///
/// # Safety
/// Pointers valid for their lengths; `number` and `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_geoip_asn(
    geoip: *const clickfence_geoip,
    ip: *const u8,
    ip_len: usize,
    number: *mut u32,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let db = tri!(unsafe { handle(geoip, "geoip") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ip = tri!(parse_ip(tri!(unsafe { text(ip, ip_len, "ip") })).map_err(core_error));
        if number.is_null() {
            return fail(clickfence_status::ClickfenceNullArgument, "number is NULL");
        }
        let info = tri!(db.0.asn(ip).map_err(core_error));
        let org = info
            .as_ref()
            .and_then(|a| a.organization.as_deref())
            .unwrap_or("");
        // SAFETY: buffers valid per this function's contract.
        let st = unsafe { write_str(org.as_bytes(), buf, buf_len, written) };
        if st == clickfence_status::ClickfenceOk {
            // SAFETY: checked non-NULL above; valid per the caller contract.
            unsafe { *number = info.map_or(0, |a| a.number) };
        }
        st
    })
}

/// Parses a list: one IP or CIDR per line, `#` comments, blank lines.
///
/// # Safety
/// `text` valid for `len` bytes; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_ip_set_from_lines(
    lines: *const u8,
    len: usize,
    out: *mut *mut clickfence_ip_set,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let lines = tri!(unsafe { text(lines, len, "lines") });
        let set = tri!(IpSet::from_lines(lines).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_ip_set(Arc::new(set), None)) }
    })
}

/// Loads a published range file in its publisher's format (`format`:
/// `aws`, `google-cloud`, `azure`, `oracle`, `digitalocean`, `tor-exits`,
/// `spamhaus-drop`). A bad entry or an unknown format is
/// `CLICKFENCE_INVALID_RANGES`, its message naming the entry. The file's
/// own date: `clickfence_ip_set_date`.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_ip_set_from_published(
    format: *const u8,
    format_len: usize,
    file: *const u8,
    file_len: usize,
    out: *mut *mut clickfence_ip_set,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let format = tri!(unsafe { text(format, format_len, "format") });
        // SAFETY: caller contract.
        let file = tri!(unsafe { text(file, file_len, "file") });
        let r =
            tri!(clickfence::ip::PublishedRanges::parse_named(format, file).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_ip_set(Arc::new(r.set), r.date)) }
    })
}

/// Writes the date a published file gave itself (`clickfence_ip_set_from_published`);
/// an empty string when it gave none or the set is not from such a file.
///
/// # Safety
/// `set` live; `buf` valid for `buf_len` bytes; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_ip_set_date(
    set: *const clickfence_ip_set,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(set, "set") });
        let date = s.1.as_deref().unwrap_or("");
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(date.as_bytes(), buf, buf_len, written) }
    })
}

/// Frees a set; NULL is a no-op.
///
/// # Safety
/// NULL or a live set, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_ip_set_free(set: *mut clickfence_ip_set) {
    // SAFETY: caller contract.
    unsafe { free_handle(set) }
}

/// Whether `ip` is in the set.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_ip_set_contains(
    set: *const clickfence_ip_set,
    ip: *const u8,
    ip_len: usize,
    out: *mut bool,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let set = tri!(unsafe { handle(set, "set") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ip = tri!(parse_ip(tri!(unsafe { text(ip, ip_len, "ip") })).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { put(out, set.0.contains(ip), "out") }
    })
}

/// Compiles a policy from the spec's config JSON and optional sources
/// (`sources` may be NULL).
///
/// # Safety
/// `json` valid for `json_len` bytes; `sources` NULL or valid, its members
/// NULL or live handles; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_access_policy_from_json(
    json: *const u8,
    json_len: usize,
    sources: *const clickfence_access_sources,
    out: *mut *mut clickfence_access_policy,
) -> clickfence_status {
    // SAFETY: forwarded contract; no hosting detection.
    unsafe { policy_from_json(json, json_len, sources, None, out) }
}

/// [`clickfence_access_policy_from_json`] with hosting detection from free
/// ASN data (`hosting` NULL = none): `blockDatacenter` then blocks the
/// addresses of listed hosting networks, never a privacy relay's egress.
///
/// # Safety
/// As `clickfence_access_policy_from_json`; `hosting` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn clickfence_access_policy_from_json_with_hosting(
    json: *const u8,
    json_len: usize,
    sources: *const clickfence_access_sources,
    hosting: *const crate::hosting::clickfence_hosting_networks,
    out: *mut *mut clickfence_access_policy,
) -> clickfence_status {
    // SAFETY: caller contract.
    let hosting = unsafe { hosting.as_ref() }.map(|h| Arc::clone(&h.0));
    // SAFETY: forwarded contract.
    unsafe { policy_from_json(json, json_len, sources, hosting, out) }
}

/// The policy of both constructors.
///
/// # Safety
/// As `clickfence_access_policy_from_json`.
unsafe fn policy_from_json(
    json: *const u8,
    json_len: usize,
    sources: *const clickfence_access_sources,
    hosting: Option<Arc<clickfence::ip::HostingNetworks>>,
    out: *mut *mut clickfence_access_policy,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let json = tri!(unsafe { text(json, json_len, "json") });
        let config = tri!(AccessConfig::from_json(json).map_err(core_error));
        let mut builder = AccessPolicy::builder(config);
        if let Some(h) = hosting {
            builder = builder.hosting(h);
        }
        // SAFETY: pointers and lengths are valid per this function's contract.
        if let Some(s) = unsafe { sources.as_ref() } {
            // SAFETY: pointers and lengths are valid per this function's contract.
            if let Some(g) = unsafe { s.geoip.as_ref() } {
                builder = builder.geoip(Arc::clone(&g.0));
            }
            // SAFETY: pointers and lengths are valid per this function's contract.
            if let Some(g) = unsafe { s.anonymous_ip.as_ref() } {
                builder = builder.anonymous_ip(Arc::clone(&g.0));
            }
            // SAFETY: pointers and lengths are valid per this function's contract.
            if let Some(l) = unsafe { s.tor.as_ref() } {
                builder = builder.tor(Arc::clone(&l.0));
            }
            // SAFETY: pointers and lengths are valid per this function's contract.
            if let Some(l) = unsafe { s.vpn.as_ref() } {
                builder = builder.vpn(Arc::clone(&l.0));
            }
            // SAFETY: pointers and lengths are valid per this function's contract.
            if let Some(l) = unsafe { s.datacenter.as_ref() } {
                builder = builder.datacenter(Arc::clone(&l.0));
            }
            if s.block_count > 0 {
                if s.blocks.is_null() {
                    return fail(clickfence_status::ClickfenceNullArgument, "blocks is NULL");
                }
                // SAFETY: pointers and lengths are valid per this function's contract.
                let raw = unsafe { std::slice::from_raw_parts(s.blocks, s.block_count) };
                // Grown as records are read, never sized by the caller's count.
                let mut records = Vec::new();
                for (i, b) in raw.iter().enumerate() {
                    let what = format!("blocks[{i}].ip");
                    // SAFETY: pointers and lengths are valid per this function's contract.
                    let text = tri!(unsafe { bytes(b.ip.ptr, b.ip.len, &what) });
                    let text = tri!(std::str::from_utf8(text).map_err(|_| fail(
                        clickfence_status::ClickfenceInvalidUtf8,
                        format!("{what} is not UTF-8")
                    )));
                    let ip = tri!(parse_ip(text).map_err(core_error));
                    let kind = match b.expires_at {
                        0 => BlockKind::Permanent,
                        at => BlockKind::Temporary { expires_at: at },
                    };
                    records.push(BlockRecord::new(ip, kind));
                }
                builder = builder.blocks(records);
            }
        }
        let policy = tri!(builder.build().map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_access_policy(policy)) }
    })
}

/// Frees a policy; NULL is a no-op.
///
/// # Safety
/// NULL or a live policy, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_access_policy_free(policy: *mut clickfence_access_policy) {
    // SAFETY: caller contract.
    unsafe { free_handle(policy) }
}

/// Checks a visitor. `country` is a CF-IPCountry value or NULL.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_access_policy_check(
    policy: *const clickfence_access_policy,
    ip: *const u8,
    ip_len: usize,
    country: *const u8,
    country_len: usize,
    now: u64,
    out: *mut clickfence_access_decision,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let p = tri!(unsafe { handle(policy, "policy") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ip = tri!(unsafe { text(ip, ip_len, "ip") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let hint = tri!(unsafe { opt_text(country, country_len, "country") });
        let d = tri!(p.0.check_str(ip, hint, now).map_err(core_error));
        let reason = match d.reason {
            None => clickfence_block_reason::ClickfenceReasonNone,
            Some(BlockReason::BlockedIp) => clickfence_block_reason::ClickfenceReasonBlockedIp,
            Some(BlockReason::BlockedCidr) => clickfence_block_reason::ClickfenceReasonBlockedCidr,
            Some(BlockReason::BlockedCountry) => {
                clickfence_block_reason::ClickfenceReasonBlockedCountry
            }
            Some(BlockReason::BlockedTor) => clickfence_block_reason::ClickfenceReasonBlockedTor,
            Some(BlockReason::BlockedVpn) => clickfence_block_reason::ClickfenceReasonBlockedVpn,
            Some(BlockReason::BlockedDatacenter) => {
                clickfence_block_reason::ClickfenceReasonBlockedDatacenter
            }
        };
        let mut code = [0u8; 3];
        if let Some(c) = d.country {
            code[..2].copy_from_slice(c.as_str().as_bytes());
        }
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe {
            put(
                out,
                clickfence_access_decision {
                    allowed: d.allowed,
                    reason,
                    country: code,
                    country_hint_ignored: d.country_hint_ignored,
                },
                "out",
            )
        }
    })
}

/// The reason's spec spelling (`"blocked_country"`), static and
/// NUL-terminated; `""` for NONE and unknown numbers.
#[no_mangle]
pub extern "C" fn clickfence_block_reason_name(reason: u32) -> *const std::ffi::c_char {
    let name: &'static [u8] = match reason {
        1 => b"blocked_ip\0",
        2 => b"blocked_cidr\0",
        3 => b"blocked_country\0",
        4 => b"blocked_tor\0",
        5 => b"blocked_vpn\0",
        6 => b"blocked_datacenter\0",
        _ => b"\0",
    };
    name.as_ptr().cast()
}

/// Which address is the client: the TCP `peer`, walked back through the
/// `forwarded_count` X-Forwarded-For values past `trusted` (your proxies)
/// and `cloudflare` (NULL: none), with `CF-Connecting-IP` believed only
/// behind a Cloudflare address (`cf_connecting_ip` NULL: the header is
/// absent). Writes the address to `buf` and where it came from to `source`
/// (`clickfence_client_ip_source_name` names it; only
/// `cf_connecting_ip` lets CF-IPCountry be believed).
///
/// # Safety
/// Pointers valid for their lengths (`forwarded_for` for
/// `forwarded_count` entries); `trusted` a live set, `cloudflare` NULL or
/// a live set; `written` and `source` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_client_ip(
    peer: *const u8,
    peer_len: usize,
    forwarded_for: *const clickfence_bytes,
    forwarded_count: usize,
    cf_connecting_ip: *const u8,
    cf_connecting_ip_len: usize,
    trusted: *const clickfence_ip_set,
    cloudflare: *const clickfence_ip_set,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
    source: *mut u32,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract for every pointer below.
        let peer = tri!(unsafe { text(peer, peer_len, "peer") });
        let peer = tri!(clickfence::ip::parse_ip(peer).map_err(core_error));
        // SAFETY: caller contract.
        let trusted = tri!(unsafe { handle(trusted, "trusted") });
        let none = IpSet::default();
        // SAFETY: caller contract: NULL or a live set.
        let cloudflare = unsafe { cloudflare.as_ref() }.map_or(&none, |c| &*c.0);
        let entries: &[clickfence_bytes] = if forwarded_count == 0 {
            &[]
        } else if forwarded_for.is_null() {
            return fail(
                clickfence_status::ClickfenceNullArgument,
                "forwarded_for is NULL",
            );
        } else {
            // SAFETY: caller contract: `forwarded_count` valid entries.
            unsafe { std::slice::from_raw_parts(forwarded_for, forwarded_count) }
        };
        // Header bytes that are not UTF-8 are kept as replacement
        // characters: such a hop is malformed and ends the walk.
        let mut values = Vec::new();
        for e in entries {
            // SAFETY: caller contract.
            let raw = tri!(unsafe { bytes(e.ptr, e.len, "forwarded_for") });
            values.push(String::from_utf8_lossy(raw));
        }
        let values: Vec<&str> = values.iter().map(|v| v.as_ref()).collect();
        let cf = if cf_connecting_ip.is_null() {
            None
        } else {
            // SAFETY: caller contract.
            let raw =
                tri!(unsafe { bytes(cf_connecting_ip, cf_connecting_ip_len, "cf_connecting_ip") });
            Some(String::from_utf8_lossy(raw))
        };
        let (ip, from) =
            clickfence::ip::client_ip_in(peer, &values, cf.as_deref(), &trusted.0, cloudflare);
        if source.is_null() {
            return fail(clickfence_status::ClickfenceNullArgument, "source is NULL");
        }
        // SAFETY: caller contract.
        let st = unsafe { write_str(ip.to_string().as_bytes(), buf, buf_len, written) };
        if st == clickfence_status::ClickfenceOk {
            // SAFETY: checked non-NULL above; valid per the caller contract.
            unsafe { *source = source_number(from) };
        }
        st
    })
}

/// The name of a `clickfence_client_ip` source (`"peer"`, `"forwarded_for"`,
/// `"cf_connecting_ip"`), static and NUL-terminated; `"unknown"` otherwise.
#[no_mangle]
pub extern "C" fn clickfence_client_ip_source_name(source: u32) -> *const std::ffi::c_char {
    let name: &'static [u8] = match source {
        0 => b"peer\0",
        1 => b"forwarded_for\0",
        2 => b"cf_connecting_ip\0",
        _ => b"unknown\0",
    };
    name.as_ptr().cast()
}

/// The number `clickfence_client_ip` reports for `source`.
fn source_number(source: clickfence::ip::ClientIpSource) -> u32 {
    use clickfence::ip::ClientIpSource::{CfConnectingIp, ForwardedFor, Peer};
    match source {
        Peer => 0,
        ForwardedFor => 1,
        CfConnectingIp => 2,
    }
}
