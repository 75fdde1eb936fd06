//! Resolving the lookups the core's verified-crawler check asks for
//! (`clickfence::score::CrawlerCheck`): a real DNS resolver with a time
//! budget per click, a bounded cache of verdicts, and a lookup quota per
//! network, so a claimed Googlebot with a slow PTR zone, or a flood of
//! them, costs a bounded wait and a bounded number of queries.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use clickfence::ip::Granularity;
use clickfence::score::{Answer, CrawlerCheck, CrawlerRanges, CrawlerVerdict, Question, Step};
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};

/// The longest a click waits for both lookups together.
pub const DNS_BUDGET: Duration = Duration::from_millis(400);
/// Verdicts kept (verified and impersonators for a day, unverified for a
/// minute); beyond it, expired ones go and new ones are not kept.
pub const CACHE_ENTRIES: usize = 10_000;
/// Checks that may reach DNS per network (IPv4 /24, IPv6 /48) per minute;
/// beyond it a claim is `unverified` without a query.
pub const LOOKUPS_PER_NETWORK_MINUTE: u32 = 20;
/// Networks whose quota is tracked at once (cleared when full).
const QUOTA_NETWORKS: usize = 10_000;

const DECIDED_SECS: u64 = 86_400;
const UNVERIFIED_SECS: u64 = 60;

/// Where the server's crawler lookups go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsServers {
    /// The system's resolver configuration (`/etc/resolv.conf`).
    System,
    /// No lookups: claims the published ranges do not decide stay
    /// `unverified`.
    Off,
    /// This resolver (UDP, then TCP).
    At(SocketAddr),
}

impl std::str::FromStr for DnsServers {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "system" => Ok(Self::System),
            "off" => Ok(Self::Off),
            other => other.parse().map(Self::At).map_err(|_| {
                format!("'{other}' is not system, off or an address with a port (127.0.0.1:53)")
            }),
        }
    }
}

/// How often the range files are checked for a newer version.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// An operator's range file, reloaded when it changes.
#[derive(Debug, Clone)]
pub struct RangeFile {
    /// `google`, `bing`, ...
    pub operator: String,
    /// Where it is.
    pub path: PathBuf,
    modified: Option<SystemTime>,
}

impl RangeFile {
    /// The file `path` of `operator`'s ranges.
    pub fn new(operator: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Self {
            operator: operator.into(),
            path: path.into(),
            modified: None,
        }
    }
}

/// The server's crawler verification.
pub struct CrawlerDns {
    ranges: RwLock<CrawlerRanges>,
    files: Mutex<Vec<RangeFile>>,
    resolver: Option<TokioResolver>,
    cache: Mutex<HashMap<IpAddr, (CrawlerVerdict, Instant)>>,
    quota: Mutex<HashMap<String, (u64, u32)>>,
}

impl std::fmt::Debug for CrawlerDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrawlerDns")
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl CrawlerDns {
    /// Verification with `ranges` and lookups through `servers`.
    pub fn new(ranges: CrawlerRanges, servers: &DnsServers) -> Result<Self, ResolveError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = DNS_BUDGET;
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        let resolver = match servers {
            DnsServers::Off => None,
            DnsServers::System => Some(TokioResolver::builder_tokio()?.with_options(opts).build()),
            DnsServers::At(addr) => {
                let mut config = ResolverConfig::new();
                config.add_name_server(NameServerConfig::new(*addr, Protocol::Udp));
                config.add_name_server(NameServerConfig::new(*addr, Protocol::Tcp));
                Some(
                    TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                        .with_options(opts)
                        .build(),
                )
            }
        };
        Ok(Self {
            ranges: RwLock::new(ranges),
            files: Mutex::new(Vec::new()),
            resolver,
            cache: Mutex::new(HashMap::new()),
            quota: Mutex::new(HashMap::new()),
        })
    }

    /// Loads each operator's range file now (an error names the file and
    /// loads nothing), and keeps them to [`refresh`](Self::refresh).
    pub fn with_files(self, files: Vec<RangeFile>) -> Result<Self, String> {
        *self.files.lock().unwrap_or_else(|e| e.into_inner()) = files;
        match self.refresh() {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }

    /// Reloads the range files that changed since they were read. A file
    /// that no longer reads or parses keeps its operator's last ranges;
    /// the first such error is returned (and logged by the caller).
    pub fn refresh(&self) -> Option<String> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let mut first_error = None;
        for file in files.iter_mut() {
            let modified = std::fs::metadata(&file.path)
                .and_then(|m| m.modified())
                .ok();
            if modified.is_some() && modified == file.modified {
                continue;
            }
            let loaded = std::fs::read_to_string(&file.path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    let mut ranges = self.ranges.write().unwrap_or_else(|e| e.into_inner());
                    ranges
                        .load(&file.operator, &text)
                        .map_err(|e| e.to_string())
                });
            match loaded {
                Ok(()) => {
                    file.modified = modified;
                    // Verdicts reached under the old ranges are forgotten.
                    self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
                }
                Err(e) => {
                    first_error.get_or_insert(format!("{}: {e}", file.path.display()));
                }
            }
        }
        first_error
    }

    /// The date of each loaded operator's ranges (`creationTime`).
    pub fn range_dates(&self) -> Vec<(String, String)> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let ranges = self.ranges.read().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .filter_map(|f| Some((f.operator.clone(), ranges.date(&f.operator)?.to_owned())))
            .collect()
    }

    /// The verdict on `ip`'s claim to be the crawler `user_agent` names;
    /// `None` when it claims none.
    pub async fn verify(&self, user_agent: &str, ip: IpAddr) -> Option<CrawlerVerdict> {
        let start = {
            let ranges = self.ranges.read().unwrap_or_else(|e| e.into_inner());
            CrawlerCheck::start(user_agent, ip, &ranges)?
        };
        let mut step = match start {
            Step::Done(_, verdict) => return Some(verdict),
            lookup => lookup,
        };
        if let Some(verdict) = self.cached(ip) {
            return Some(verdict);
        }
        let (Some(resolver), true) = (&self.resolver, self.admit(ip)) else {
            return Some(CrawlerVerdict::Unverified);
        };
        let deadline = tokio::time::Instant::now() + DNS_BUDGET;
        let verdict = loop {
            match step {
                Step::Done(_, verdict) => break verdict,
                Step::Lookup(check, question) => {
                    let answer = tokio::time::timeout_at(deadline, ask(resolver, &question))
                        .await
                        .unwrap_or(Answer::NoAnswer);
                    step = check.answer(answer);
                }
            }
        };
        self.remember(ip, verdict);
        Some(verdict)
    }

    fn cached(&self, ip: IpAddr) -> Option<CrawlerVerdict> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&ip)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(v, _)| *v)
    }

    fn remember(&self, ip: IpAddr, verdict: CrawlerVerdict) {
        let secs = match verdict {
            CrawlerVerdict::Unverified => UNVERIFIED_SECS,
            _ => DECIDED_SECS,
        };
        let now = Instant::now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, (_, until)| *until > now);
        }
        if cache.len() < CACHE_ENTRIES {
            cache.insert(ip, (verdict, now + Duration::from_secs(secs)));
        }
    }

    /// Whether `ip`'s network may still query DNS this minute.
    fn admit(&self, ip: IpAddr) -> bool {
        let minute = crate::state::now().max(0) as u64 / 60;
        let mut quota = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        if quota.len() >= QUOTA_NETWORKS {
            quota.retain(|_, (m, _)| *m == minute);
            if quota.len() >= QUOTA_NETWORKS {
                return false;
            }
        }
        let entry = quota
            .entry(Granularity::NETWORK.label(ip))
            .or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= LOOKUPS_PER_NETWORK_MINUTE
    }
}

/// One lookup, as the core's check wants its answer.
async fn ask(resolver: &TokioResolver, question: &Question) -> Answer {
    match question {
        Question::Ptr(ip) => match resolver.reverse_lookup(*ip).await {
            Ok(names) => Answer::Names(names.iter().map(|n| n.to_utf8()).collect()),
            Err(e) => failure(&e),
        },
        Question::Addresses(host) => {
            // Fully qualified: no search domains are tried.
            match resolver.lookup_ip(format!("{host}.")).await {
                Ok(addrs) => Answer::Addresses(addrs.iter().collect()),
                Err(e) => failure(&e),
            }
        }
    }
}

/// A name that does not exist, or has no such records, is an answer; any
/// other failure is none.
fn failure(e: &ResolveError) -> Answer {
    if e.is_nx_domain() || e.is_no_records_found() {
        Answer::NotFound
    } else {
        Answer::NoAnswer
    }
}
