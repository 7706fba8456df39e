//! The notification outbox's delivery side, shared by the Graph door (commsNotifications) and
//! later the ACS door (CloudEvents): enqueue without blocking, persist in batches, POST in order
//! per key with retries, sign each request with a cached platform JWT.
//!
//! - [`Outbox::enqueue`] never blocks: it numbers the row from this node's block of ids (reserved
//!   in the store, unique across the nodes sharing the database; the next block is reserved ahead,
//!   `outbox/ids.rs`), hands it to the dispatcher at once and to a writer thread that inserts whatever has
//!   queued up in one transaction (SQLite: `synchronous=FULL`). Delivery does not wait for the
//!   disk; outcomes (delete on success, attempts, abandoned) go back through the writer, after the
//!   row's insert. A crash before the commit loses rows that were not durable before either
//!   (enqueue never waited for the disk).
//! - Leases ([`Leases`], `outbox/writer.rs`): each row is stored as owned by this node with a lease the
//!   writer renews every [`Leases::renew_every`] (one UPDATE). Every renewal the writer also claims
//!   the rows of ordering keys whose leases all ran out — a dead node's — whole keys at a time
//!   (`FOR UPDATE SKIP LOCKED` on Postgres, so nodes never split a key nor wait for each other),
//!   and hands them to the dispatcher in id order. Delivery is at least once: a node that stalls
//!   longer than a lease may deliver a row another node claimed meanwhile.
//! - The dispatcher delivers rows of one ordering key (a call id) one at a time, in insertion
//!   order: the next waits until the previous was delivered or given up. Different keys go in
//!   parallel over one pooled HTTP client (keep-alive, h2 when offered).
//! - A failure (connection error, timeout, non-2xx) is retried with exponential backoff
//!   ([`INITIAL_BACKOFF`] doubling up to [`MAX_BACKOFF`], or the response's `Retry-After` if
//!   longer) until [`GIVE_UP_AFTER`] after the row was created; then the row is kept as
//!   `abandoned`. Rows with [`RetryPolicy::EventGrid`](ringside_store::RetryPolicy::EventGrid)
//!   follow Event Grid's documented schedule instead ([`EVENT_GRID_SCHEDULE`], then every
//!   [`EVENT_GRID_REPEAT`] until [`EVENT_GRID_GIVE_UP_AFTER`]; `Retry-After` is not read) and stop
//!   at once on 400/401/403/413.
//!   301/302/303/307/308 with a `Location` re-POST the same notification there (at most 5 hops),
//!   as Graph does for region affinity.
//! - At start a node takes back the rows it left pending (by its name) and claims rows whose
//!   leases ran out, never rows a live node holds; abandoned rows older than a week are pruned then.
//! - Each POST carries `Authorization: Bearer <JWT>` signed with the platform key: `iss` is the
//!   tenant's issuer from the OpenID metadata (`{base}/{tenant}/v2.0`), `aud` the bot's app id,
//!   `tid` the tenant; one token per (app, tenant) is cached for an hour and re-signed five
//!   minutes before it expires.
//! - Observers ([`Outbox::observe`], the web console) get a record of every attempt: request,
//!   response, the retries ahead and the row's state after it ([`observe`]).
//! - Metrics ([`Outbox::metrics`], served at `/metrics`): attempts by profile and outcome,
//!   retries, delivery latency (enqueue to 2xx) and the backlog of rows not yet done.
//! - Each attempt is a `notification delivery` span (exported over OTLP when configured): profile,
//!   host, ordering key, attempt number, response status and the outcome the metrics count.
//! - TLS: webhooks are verified against the Mozilla roots plus Ringside's own local CA; a loopback
//!   webhook (`localhost`, `127.0.0.0/8`, `::1`) is accepted with any certificate, and may be
//!   plain `http://`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use ringside_identity::SigningKey;
use ringside_store::{Database, NewOutboxRow, OutboxRow, OutboxStore, OutboxUpdate, RetryPolicy};
use tokio::sync::mpsc;
use tracing::Instrument as _;

mod ids;
pub mod observe;
mod writer;

use ids::Ids;
pub use observe::{AttemptRecord, DeliveryState};
use observe::{Observers, Trace};
pub use writer::Leases;
use writer::{Schedule, Writer, WriterMsg};

use crate::metrics::OutboxMetrics;

/// First retry delay.
pub const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// Longest delay between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A row is given up this long after it was created.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(10 * 60);
/// Event Grid's retries after the first failed attempt (learn.microsoft.com/azure/event-grid/
/// delivery-and-retry): 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h …
pub const EVENT_GRID_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3_600),
    Duration::from_secs(3 * 3_600),
    Duration::from_secs(6 * 3_600),
];
/// … then every 12 h …
pub const EVENT_GRID_REPEAT: Duration = Duration::from_secs(12 * 3_600);
/// … up to 24 h (the default event time-to-live, 1440 minutes).
pub const EVENT_GRID_GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3_600);
/// Per-attempt timeout (connect + response).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Abandoned rows are kept this long (for inspection with SQLite), then pruned at start.
const KEEP_ABANDONED: Duration = Duration::from_secs(7 * 86_400);
/// Redirects followed per attempt.
const MAX_REDIRECTS: usize = 5;
/// Lifetime of a notification token.
const TOKEN_LIFETIME_SECS: u64 = 3_600;
/// A cached token is re-signed when less than this is left.
const TOKEN_RENEW_BEFORE_SECS: u64 = 300;
/// How the requests of one kind of row are made. A row names its profile in its `dialect` column;
/// the doors register their profiles when the outbox starts. A row whose profile is unknown is
/// delivered as [`DeliveryProfile::DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryProfile {
    /// The name rows carry (`NewOutboxRow::dialect`).
    pub name: &'static str,
    /// Each request carries `Authorization: Bearer <platform JWT>` (`aud` the row's audience,
    /// `tid` its tenant).
    pub bearer_token: bool,
    /// Headers every request carries (before the row's own).
    pub headers: &'static [(&'static str, &'static str)],
    /// A header that counts the attempts made before this one.
    pub attempt_count_header: Option<&'static str>,
}

impl DeliveryProfile {
    /// A signed JSON POST with nothing else.
    pub const DEFAULT: DeliveryProfile = DeliveryProfile {
        name: "",
        bearer_token: true,
        headers: &[],
        attempt_count_header: None,
    };
}

enum DispatchMsg {
    Row(OutboxRow),
    Done(String),
}

/// The handle doors enqueue into. Cheap to clone; never waits for the database (unless this node
/// used up a whole block of ids and its spare while the database did not answer).
#[derive(Clone)]
pub struct Outbox {
    writer: std::sync::mpsc::Sender<WriterMsg>,
    dispatch: mpsc::UnboundedSender<DispatchMsg>,
    ids: Arc<Ids>,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
    observers: Observers,
    profiles: Arc<Profiles>,
    metrics: OutboxMetrics,
}

/// The registered delivery profiles by the name rows carry.
struct Profiles(HashMap<String, DeliveryProfile>);

impl Profiles {
    /// The profile rows named `name` are delivered with.
    fn get(&self, name: &str) -> DeliveryProfile {
        self.0
            .get(name)
            .copied()
            .unwrap_or(DeliveryProfile::DEFAULT)
    }

    /// The metrics label of rows named `name`: their profile's name, `default` for rows that name
    /// no registered profile (the label set stays small whatever a row says).
    fn label(&self, name: &str) -> &'static str {
        match self.get(name).name {
            "" => "default",
            known => known,
        }
    }
}

/// Whether a row is still wanted before each attempt (an Event Grid row whose subscription was
/// deleted is not): the composition root answers it from the directory.
pub type StillWanted = Arc<dyn Fn(&NewOutboxRow) -> bool + Send + Sync>;

impl Outbox {
    /// Opens the outbox table in `database`, starts the writer thread and the dispatcher (must run
    /// inside a tokio runtime), and schedules the rows this node (`leases.node`) left pending in a
    /// previous run and the rows whose leases ran out — never rows a live node holds.
    pub fn start(
        database: &Database,
        leases: Leases,
        signer: TokenSigner,
        local_ca_pem: Option<&[u8]>,
        profiles: &[DeliveryProfile],
        still_wanted: StillWanted,
    ) -> anyhow::Result<Outbox> {
        let mut store = OutboxStore::connect(database)?;
        let pruned =
            store.prune_abandoned(unix_ms().saturating_sub(KEEP_ABANDONED.as_millis() as i64))?;
        if pruned > 0 {
            tracing::info!(pruned, "outbox: pruned old abandoned notifications");
        }
        let now = unix_ms();
        let mut leftover = store.take_own(leases.lease_at(now))?;
        leftover.extend(store.claim(leases.lease_at(now), now, u32::MAX)?);
        let ids = Arc::new(Ids::new(
            store.reserve_ids(leases.id_block)?,
            leases.id_block,
        ));
        let (writer, writer_rx) = std::sync::mpsc::channel::<WriterMsg>();
        let (dispatch, dispatch_rx) = mpsc::unbounded_channel::<DispatchMsg>();
        let client = Clients::new(local_ca_pem)?;
        let observers = Observers::default();
        let profiles = Arc::new(Profiles(
            profiles.iter().map(|p| (p.name.to_string(), *p)).collect(),
        ));
        let metrics = OutboxMetrics::default();
        for profile in profiles.0.values() {
            metrics.prepare(profiles.label(profile.name));
        }
        let delivery = Arc::new(Delivery {
            client,
            signer,
            profiles: profiles.clone(),
            still_wanted,
            writer: Mutex::new(writer.clone()),
            dispatch: dispatch.clone(),
            observers: observers.clone(),
            metrics: metrics.clone(),
        });
        let schedule = Schedule {
            dispatch: dispatch.clone(),
            metrics: metrics.clone(),
            profiles: profiles.clone(),
        };
        schedule.rows(leftover);
        let writer_state = Writer {
            store,
            leases,
            ids: ids.clone(),
            schedule,
        };
        std::thread::Builder::new()
            .name("ringside-outbox".into())
            .spawn(move || writer_state.run(writer_rx))?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(dispatcher(dispatch_rx, delivery, stopped));
        Ok(Outbox {
            writer,
            dispatch,
            ids,
            stop: Arc::new(stop),
            observers,
            profiles,
            metrics,
        })
    }

    /// What the outbox records for `/metrics`.
    pub fn metrics(&self) -> &OutboxMetrics {
        &self.metrics
    }

    /// A record of every delivery attempt from now on (for the web console's timeline). A
    /// receiver that falls more than 1,024 records behind lags (`RecvError::Lagged`).
    pub fn observe(&self) -> tokio::sync::broadcast::Receiver<Arc<AttemptRecord>> {
        self.observers.subscribe()
    }

    /// Stops delivering (server shutdown): in-flight attempts are abandoned where they stand and
    /// their rows stay pending in the store; the writer writes what it was sent and stops renewing
    /// this node's leases. The rows are delivered by this node's next start, or by another node
    /// once their leases ran out.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
        let _ = self.writer.send(WriterMsg::Stop);
    }

    /// Queues a notification. Persisted and delivered in the background; per `ordering_key`, in
    /// the order of `enqueue` calls.
    pub fn enqueue(&self, row: NewOutboxRow) {
        let Some(id) = self.next_id() else {
            tracing::error!(
                "outbox: no ids left (the database does not answer); notification dropped"
            );
            return;
        };
        // The writer first, so that the row's insert precedes any outcome reported for it.
        if self
            .writer
            .send(WriterMsg::Enqueue(id, row.clone()))
            .is_err()
        {
            tracing::warn!("outbox writer has stopped; notification not persisted");
        }
        let next_attempt_at_ms = row.created_at_ms;
        self.metrics.queued(self.profiles.label(&row.dialect));
        let _ = self.dispatch.send(DispatchMsg::Row(OutboxRow {
            id,
            row,
            attempts: 0,
            next_attempt_at_ms,
        }));
    }

    /// An id for a new row: from this node's block, or (both blocks used up) after the writer
    /// reserved the next, waiting at most [`IDS_WAIT`].
    fn next_id(&self) -> Option<i64> {
        if let Some(id) = self.ids.take() {
            return Some(id);
        }
        self.writer.send(WriterMsg::Refill).ok()?;
        self.ids.wait(IDS_WAIT)
    }
}

/// How long `enqueue` waits for ids when this node used up its block and the spare.
const IDS_WAIT: Duration = Duration::from_secs(10);

/// Unix milliseconds now.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

async fn dispatcher(
    mut rx: mpsc::UnboundedReceiver<DispatchMsg>,
    delivery: Arc<Delivery>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut queues: HashMap<String, VecDeque<OutboxRow>> = HashMap::new();
    let mut busy: HashSet<String> = HashSet::new();
    let mut workers = tokio::task::JoinSet::new();
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => msg,
            _ = stopped.changed() => None,
            Some(_) = workers.join_next(), if !workers.is_empty() => continue,
        };
        let Some(msg) = msg else {
            break;
        };
        let key = match msg {
            DispatchMsg::Row(row) => {
                let key = row.row.ordering_key.clone();
                queues.entry(key.clone()).or_default().push_back(row);
                key
            }
            DispatchMsg::Done(key) => {
                busy.remove(&key);
                key
            }
        };
        if busy.contains(&key) {
            continue;
        }
        let next = queues.get_mut(&key).and_then(VecDeque::pop_front);
        match next {
            Some(row) => {
                busy.insert(key);
                workers.spawn(delivery.clone().deliver(row));
            }
            None => {
                queues.remove(&key);
            }
        }
    }
    workers.abort_all();
}

/// The two HTTP clients: verifying, and for loopback webhooks any-certificate.
struct Clients {
    verified: reqwest::Client,
    loopback: reqwest::Client,
}

impl Clients {
    fn new(local_ca_pem: Option<&[u8]>) -> anyhow::Result<Clients> {
        let base = || {
            reqwest::Client::builder()
                .timeout(ATTEMPT_TIMEOUT)
                .connect_timeout(ATTEMPT_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(90))
        };
        let mut verified = base();
        if let Some(pem) = local_ca_pem {
            verified = verified.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
        }
        Ok(Clients {
            verified: verified.build()?,
            loopback: base().danger_accept_invalid_certs(true).build()?,
        })
    }

    fn for_url(&self, url: &reqwest::Url) -> &reqwest::Client {
        if is_loopback(url) {
            &self.loopback
        } else {
            &self.verified
        }
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Signs the bearer tokens of notification requests, one per (app, tenant), cached.
pub struct TokenSigner {
    key: SigningKey,
    issuer_base: String,
    cache: Mutex<HashMap<(String, String), (String, u64)>>,
}

impl TokenSigner {
    /// A signer with the platform key; `issuer_base` is the server's public base URL.
    pub fn new(key: SigningKey, issuer_base: String) -> TokenSigner {
        TokenSigner {
            key,
            issuer_base,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A token for `aud = audience`, `tid = tenant`, from the cache unless it expires soon.
    pub fn token(&self, audience: &str, tenant: &str) -> anyhow::Result<String> {
        let now = u64::try_from(unix_ms() / 1000).unwrap_or(0);
        let key = (audience.to_string(), tenant.to_string());
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((token, exp)) = cache.get(&key) {
                if *exp > now + TOKEN_RENEW_BEFORE_SECS {
                    return Ok(token.clone());
                }
            }
        }
        let exp = now + TOKEN_LIFETIME_SECS;
        let claims = serde_json::json!({
            "aud": audience,
            "iss": ringside_identity::issuer(&self.issuer_base, tenant),
            "iat": now,
            "nbf": now,
            "exp": exp,
            "tid": tenant,
        });
        let token = ringside_identity::sign(&self.key, &claims)
            .map_err(|e| anyhow::anyhow!("signing a notification token: {e}"))?;
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, (token.clone(), exp));
        Ok(token)
    }
}

struct Delivery {
    client: Clients,
    signer: TokenSigner,
    profiles: Arc<Profiles>,
    still_wanted: StillWanted,
    writer: Mutex<std::sync::mpsc::Sender<WriterMsg>>,
    dispatch: mpsc::UnboundedSender<DispatchMsg>,
    observers: Observers,
    metrics: OutboxMetrics,
}

enum Attempt {
    Delivered,
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    Final(String),
}

impl Delivery {
    fn record(&self, update: OutboxUpdate) {
        let id = match &update {
            OutboxUpdate::Delivered { id }
            | OutboxUpdate::Attempted { id, .. }
            | OutboxUpdate::Abandoned { id, .. } => *id,
        };
        if id == 0 {
            return;
        }
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writer.send(WriterMsg::Update(update));
    }

    /// Delivers one row until it is delivered, refused or given up. Waits are measured on the
    /// runtime's monotonic clock ([`crate::clock`]); the wall-clock times are only persisted.
    async fn deliver(self: Arc<Self>, mut row: OutboxRow) {
        let key = row.row.ordering_key.clone();
        let arrived = crate::clock::now();
        let since_wall = |at_ms: i64| Duration::from_millis(at_ms.max(0) as u64);
        let age = since_wall(unix_ms().saturating_sub(row.row.created_at_ms));
        let policy = row.row.retry_policy;
        let give_up_at = (arrived + give_up_after(policy))
            .checked_sub(age)
            .unwrap_or(arrived);
        let mut due = arrived + since_wall(row.next_attempt_at_ms.saturating_sub(unix_ms()));
        let label = self.profiles.label(&row.row.dialect);
        loop {
            // A sleep that is already due still waits for the timer's next millisecond tick:
            // first attempts (due now) go at once.
            if due > crate::clock::now() {
                tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
            }
            if !(self.still_wanted)(&row.row) {
                tracing::info!(url = %row.row.target_url, "notification dropped: no longer wanted");
                let error = "no longer wanted (its subscription was deleted)";
                let trace = self.observers.trace(&row);
                self.observers
                    .publish(trace, DeliveryState::Dropped, Some(error));
                self.record(OutboxUpdate::Abandoned {
                    id: row.id,
                    attempts: row.attempts,
                    error: "no longer wanted (its subscription was deleted)".into(),
                });
                break;
            }
            let mut trace = self.observers.trace(&row);
            let span = attempt_span(&row, label);
            let outcome = self
                .attempt(&row, &mut trace)
                .instrument(span.clone())
                .await;
            let retry = row.attempts > 0;
            match outcome {
                Attempt::Delivered => {
                    span.record("outcome", "delivered");
                    self.metrics.attempted(label, "delivered", retry);
                    let waited = unix_ms().saturating_sub(row.row.created_at_ms).max(0);
                    self.metrics.delivered(label, waited as f64 / 1_000.0);
                    self.observers
                        .publish(trace, DeliveryState::Delivered, None);
                    self.record(OutboxUpdate::Delivered { id: row.id });
                    break;
                }
                Attempt::Final(error) => {
                    failed(&span, "dropped");
                    self.metrics.attempted(label, "dropped", retry);
                    tracing::warn!(url = %row.row.target_url, %error, "notification refused; not retried");
                    self.observers
                        .publish(trace, DeliveryState::Dropped, Some(&error));
                    self.record(OutboxUpdate::Abandoned {
                        id: row.id,
                        attempts: row.attempts + 1,
                        error,
                    });
                    break;
                }
                Attempt::Retry { error, retry_after } => {
                    row.attempts += 1;
                    let backoff = retry_delay(policy, row.attempts, retry_after);
                    due = crate::clock::now() + backoff;
                    if due > give_up_at {
                        failed(&span, "expired");
                        self.metrics.attempted(label, "expired", retry);
                        tracing::warn!(url = %row.row.target_url, %error, attempts = row.attempts, "notification given up");
                        self.observers
                            .publish(trace, DeliveryState::Expired, Some(&error));
                        self.record(OutboxUpdate::Abandoned {
                            id: row.id,
                            attempts: row.attempts,
                            error,
                        });
                        break;
                    }
                    failed(&span, "retrying");
                    self.metrics.attempted(label, "retrying", retry);
                    tracing::debug!(url = %row.row.target_url, %error, attempts = row.attempts, "notification will be retried");
                    if let Some(trace) = trace.as_mut() {
                        let left = give_up_at.saturating_duration_since(crate::clock::now());
                        trace.ahead(policy, row.attempts, backoff, left);
                    }
                    self.observers
                        .publish(trace, DeliveryState::Retrying, Some(&error));
                    let next = unix_ms().saturating_add(backoff.as_millis() as i64);
                    row.next_attempt_at_ms = next;
                    self.record(OutboxUpdate::Attempted {
                        id: row.id,
                        attempts: row.attempts,
                        next_attempt_at_ms: next,
                        error,
                    });
                }
            }
        }
        self.metrics.finished(label);
        let _ = self.dispatch.send(DispatchMsg::Done(key));
    }

    /// One attempt, following redirects.
    async fn attempt(&self, row: &OutboxRow, trace: &mut Option<Trace>) -> Attempt {
        let mut url = match reqwest::Url::parse(&row.row.target_url) {
            Ok(url) => url,
            Err(error) => return Attempt::Final(format!("invalid webhook URL: {error}")),
        };
        for _ in 0..=MAX_REDIRECTS {
            match self.post(&url, row, trace).await {
                Err(next) => url = next,
                Ok(outcome) => return outcome,
            }
        }
        Attempt::Retry {
            error: "too many redirects".into(),
            retry_after: None,
        }
    }

    /// One POST: the outcome, or `Err(location)` for a redirect to follow.
    async fn post(
        &self,
        url: &reqwest::Url,
        row: &OutboxRow,
        trace: &mut Option<Trace>,
    ) -> Result<Attempt, reqwest::Url> {
        let profile = self.profiles.get(&row.row.dialect);
        let token = if !profile.bearer_token {
            String::new()
        } else {
            match self.signer.token(&row.row.audience, &row.row.tenant) {
                Ok(token) => token,
                Err(error) => {
                    return Ok(Attempt::Retry {
                        error: error.to_string(),
                        retry_after: None,
                    })
                }
            }
        };
        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &str| {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        };
        if profile.bearer_token {
            put("authorization", &format!("Bearer {token}"));
        }
        put("content-type", "application/json");
        put("accept", "application/json");
        for (name, value) in profile.headers {
            put(name, value);
        }
        for (name, value) in &row.row.headers {
            put(name, value);
        }
        if let Some(name) = profile.attempt_count_header {
            put(name, &row.attempts.to_string());
        }
        if let Some(trace) = trace.as_mut() {
            trace.request(url, &headers);
        }
        let response = self
            .client
            .for_url(url)
            .post(url.clone())
            .headers(headers)
            .body(row.row.body.clone())
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                let error = format!("POST {url}: {error}");
                if let Some(trace) = trace.as_mut() {
                    trace.failed(&error);
                }
                return Ok(Attempt::Retry {
                    error,
                    retry_after: None,
                });
            }
        };
        let status = response.status();
        tracing::Span::current().record("http.response.status_code", status.as_u16());
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
        let location = header(reqwest::header::LOCATION).and_then(|to| url.join(to).ok());
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(parse_retry_after);
        if let Some(trace) = trace.as_mut() {
            trace.response(response).await;
        }
        if status.is_success() {
            return Ok(Attempt::Delivered);
        }
        if let Some(next) = location.filter(|_| status.is_redirection()) {
            return Err(next);
        }
        let code = status.as_u16();
        let error = format!("POST {url}: HTTP {code}");
        if row.row.retry_policy.is_final_failure(code) {
            return Ok(Attempt::Final(error));
        }
        Ok(Attempt::Retry { error, retry_after })
    }
}

/// The span of one delivery attempt (its outcome and status are recorded as they are known).
fn attempt_span(row: &OutboxRow, profile: &'static str) -> tracing::Span {
    // Field values are only computed when the span is enabled.
    let host = |url: &str| {
        reqwest::Url::parse(url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_default()
    };
    tracing::info_span!(
        "notification delivery",
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        ringside.profile = profile,
        server.address = %host(&row.row.target_url),
        ringside.ordering_key = %row.row.ordering_key,
        attempt = row.attempts + 1,
        http.response.status_code = tracing::field::Empty,
        outcome = tracing::field::Empty,
    )
}

/// Records an attempt that did not deliver.
fn failed(span: &tracing::Span, outcome: &'static str) {
    span.record("outcome", outcome);
    span.record("otel.status_code", "error");
}

/// How long an unreachable Call Automation callback endpoint is retried (1, 2, 4, 8 s).
pub const CALLBACK_GIVE_UP_AFTER: Duration = Duration::from_secs(16);

/// How long after its creation a row of `policy` is given up.
pub fn give_up_after(policy: RetryPolicy) -> Duration {
    match policy {
        RetryPolicy::Standard => GIVE_UP_AFTER,
        RetryPolicy::EventGrid => EVENT_GRID_GIVE_UP_AFTER,
        RetryPolicy::Callback => CALLBACK_GIVE_UP_AFTER,
    }
}

/// Delay before attempt `attempts + 1` of a row of `policy`: [`backoff`] or the response's
/// `Retry-After` if longer; Event Grid's schedule for Event Grid rows.
pub fn retry_delay(policy: RetryPolicy, attempts: u32, retry_after: Option<Duration>) -> Duration {
    match policy {
        RetryPolicy::Standard => backoff(attempts).max(retry_after.unwrap_or_default()),
        RetryPolicy::Callback => backoff(attempts),
        RetryPolicy::EventGrid => {
            let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(usize::MAX);
            EVENT_GRID_SCHEDULE
                .get(index)
                .copied()
                .unwrap_or(EVENT_GRID_REPEAT)
        }
    }
}

/// Delay before attempt `attempts + 1`: 1 s, 2 s, 4 s, … up to [`MAX_BACKOFF`].
pub fn backoff(attempts: u32) -> Duration {
    let shift = attempts.saturating_sub(1).min(16);
    INITIAL_BACKOFF
        .saturating_mul(1u32 << shift)
        .min(MAX_BACKOFF)
}

/// `Retry-After`: delta seconds or an HTTP date; capped at [`MAX_BACKOFF`].
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(SystemTime::now()).unwrap_or_default()
    };
    Some(delay.min(MAX_BACKOFF))
}

#[cfg(test)]
mod tests;
