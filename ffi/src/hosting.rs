//! Hosting networks from free data: the ip-location-db ASN CSV and
//! privacy relays' egress ranges.

use std::sync::Arc;

use clickfence::ip::{AsnTable, HostingNetworks};

use crate::buf::{free_handle, handle, new_handle, put, text, tri, write_str};
use crate::ip::clickfence_ip_set;
use crate::status::{clickfence_status, core_error, fail, guard};

/// An ASN table (opaque). Load before sharing; lookups only read it.
pub struct clickfence_asn_table(AsnTable);

/// Hosting detection over an ASN table, minus privacy relays (opaque;
/// thread-safe).
pub struct clickfence_hosting_networks(pub(crate) Arc<HostingNetworks>);

/// Makes an empty ASN table.
///
/// # Safety
/// `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_asn_table_new(
    out: *mut *mut clickfence_asn_table,
) -> clickfence_status {
    // SAFETY: caller contract.
    guard(|| unsafe { new_handle(out, clickfence_asn_table(AsnTable::new())) })
}

/// Frees a table; NULL is a no-op.
///
/// # Safety
/// NULL or a live table, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_asn_table_free(table: *mut clickfence_asn_table) {
    // SAFETY: caller contract.
    unsafe { free_handle(table) }
}

/// Adds the rows of one ip-location-db CSV file (`start,end,asn,org`). A
/// bad row refuses the whole file (`CLICKFENCE_INVALID_RANGES`, naming the
/// line) and leaves the table as it was.
///
/// # Safety
/// `table` live and not used by another thread meanwhile; `csv` valid for
/// `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn clickfence_asn_table_load_csv(
    table: *mut clickfence_asn_table,
    csv: *const u8,
    len: usize,
) -> clickfence_status {
    guard(|| {
        if table.is_null() {
            return fail(clickfence_status::ClickfenceNullArgument, "table is NULL");
        }
        // SAFETY: caller contract.
        let csv = tri!(unsafe { text(csv, len, "csv") });
        // SAFETY: non-NULL (checked above), live and unshared per the contract.
        let t = unsafe { &mut *table };
        tri!(t.0.load_csv(csv).map_err(core_error));
        clickfence_status::ClickfenceOk
    })
}

/// The AS number announcing `ip` (0 when no row holds it).
///
/// # Safety
/// `table` live; `ip` valid for `len` bytes; `asn` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_asn_table_lookup(
    table: *const clickfence_asn_table,
    ip: *const u8,
    len: usize,
    asn: *mut u32,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let t = tri!(unsafe { handle(table, "table") });
        // SAFETY: caller contract.
        let ip = tri!(
            clickfence::ip::parse_ip(tri!(unsafe { text(ip, len, "ip") })).map_err(core_error)
        );
        let found = t.0.lookup(ip).map_or(0, |a| a.number);
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { put(asn, found, "asn") }
    })
}

/// Makes hosting detection over a copy of `table` (NULL = none) with
/// `relay_count` privacy-relay egress sets (`relays` may be NULL when 0).
///
/// # Safety
/// `table` NULL or live; `relays` valid for `relay_count` live sets; `out`
/// valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_hosting_networks_new(
    table: *const clickfence_asn_table,
    relays: *const *const clickfence_ip_set,
    relay_count: usize,
    out: *mut *mut clickfence_hosting_networks,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let mut h = match unsafe { table.as_ref() } {
            Some(t) => HostingNetworks::new(Arc::new(t.0.clone())),
            None => HostingNetworks::default(),
        };
        if relay_count > 0 {
            if relays.is_null() {
                return fail(clickfence_status::ClickfenceNullArgument, "relays is NULL");
            }
            // SAFETY: valid for relay_count per the contract.
            let sets = unsafe { std::slice::from_raw_parts(relays, relay_count) };
            for (i, set) in sets.iter().enumerate() {
                // SAFETY: each a live set per the contract, NULL refused.
                let s = tri!(unsafe { handle(*set, &format!("relays[{i}]")) });
                h = h.relay(Arc::clone(&s.0));
            }
        }
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_hosting_networks(Arc::new(h))) }
    })
}

/// Frees hosting detection; NULL is a no-op.
///
/// # Safety
/// NULL or live, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_hosting_networks_free(h: *mut clickfence_hosting_networks) {
    // SAFETY: caller contract.
    unsafe { free_handle(h) }
}

/// Writes the hosting provider `ip` belongs to (`Hetzner`, `Amazon Web
/// Services`, ...), or an empty string when it is none's or a relay's.
///
/// # Safety
/// `h` live; `ip` valid for `len` bytes; `buf` valid for `buf_len`;
/// `written` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_hosting_networks_operator(
    h: *const clickfence_hosting_networks,
    ip: *const u8,
    len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let h = tri!(unsafe { handle(h, "hosting") });
        // SAFETY: caller contract.
        let ip = tri!(
            clickfence::ip::parse_ip(tri!(unsafe { text(ip, len, "ip") })).map_err(core_error)
        );
        let operator = h.0.hosting(ip).map_or("", |x| x.operator);
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(operator.as_bytes(), buf, buf_len, written) }
    })
}
