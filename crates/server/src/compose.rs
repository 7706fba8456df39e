//! The composition root's wiring: the outbox with every door's delivery profiles, the media
//! services, the doors (Graph first, then ACS: an offer goes to the first that adopts it), the
//! call runtime, the node, and the state every router gets. The one place that knows every door.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use ringside_identity::SigningKey;
use ringside_runtime::call_records::{self, CallRecords};
use ringside_runtime::cluster::{Cluster, Identity, Undertaker};
use ringside_runtime::files::write_private;
use ringside_runtime::outbox::{Leases, Outbox, TokenSigner};
use ringside_runtime::services::MediaServices;
use ringside_runtime::{CallRuntime, Doors, MediaMode, Node, NodeParts, RuntimeOptions};
use ringside_store::{CallStore, Database, DirectoryStore};

use crate::config::Config;
use crate::state::{AppState, StateParts};

/// What the wiring needs from the shell.
pub(crate) struct Parts {
    pub(crate) config: Config,
    pub(crate) dev_mode: bool,
    pub(crate) data_dir: PathBuf,
    /// Where the store's tables live.
    pub(crate) database: Database,
    /// This node's name among the servers sharing the database.
    pub(crate) node_name: String,
    /// Where the other nodes reach this one.
    pub(crate) internal_url: String,
    /// The PEM certificate of the CA that signed this node's TLS certificate.
    pub(crate) ca_pem: String,
    pub(crate) base_url: String,
    pub(crate) admin_token: String,
    /// The local CA (PEM), trusted for webhooks, prompts and media streams besides public roots.
    pub(crate) local_ca: Option<Vec<u8>>,
    pub(crate) manual_media_clock: bool,
}

/// Opens the store and the keys, starts the outbox, the media services and the call runtime with
/// every door, and builds the state the routers share.
pub(crate) fn compose(parts: Parts) -> Result<AppState> {
    let data_dir = &parts.data_dir;
    let directory = Arc::new(
        DirectoryStore::connect(&parts.database)
            .with_context(|| format!("opening the store in {}", parts.database.describe()))?,
    );
    let identity = Identity {
        name: parts.node_name.clone(),
        url: parts.base_url.clone(),
        internal_url: parts.internal_url.clone(),
        ca_pem: parts.ca_pem.clone(),
    };
    let cluster = Cluster::join(&parts.database, &identity)
        .context("recording this node in the nodes table")?;
    let shared = Shared::of(&parts, &cluster)?;
    let signing_key = shared.signing_key.clone();
    let signer = || TokenSigner::new(signing_key.clone(), parts.base_url.clone());
    let outbox = Outbox::start(
        &parts.database,
        Leases::for_node(parts.node_name.clone()),
        signer(),
        parts.local_ca.as_deref(),
        &[
            ringside_door_graph::DELIVERY,
            ringside_door_acs::CALLBACKS,
            ringside_door_acs::EVENT_GRID,
        ],
        still_wanted(directory.clone()),
    )
    .context("starting the notification outbox")?;
    let services = MediaServices::new(
        &parts.config.media,
        parts.dev_mode,
        data_dir,
        parts.local_ca.clone(),
    )
    .context("preparing the prompt fetcher")?;
    // Calls this node carried before it stopped (a crash, kill -9) ended with it: their bots are
    // told before any new call is recorded.
    let mut graves = CallStore::connect(&parts.database).context("opening the calls table")?;
    call_records::bury(&mut graves, &parts.node_name)
        .context("telling the bots of calls lost in a restart")?;
    let records = CallRecords::start(&parts.database, &parts.node_name)
        .context("starting the call records")?;
    let doors = doors(&parts, &outbox, &services, &signer, &records);
    let calls = CallRuntime::start(directory.clone(), runtime_options(&parts), services, doors)
        .context("starting the call runtime")?;
    let undertaker = Undertaker { store: graves };
    cluster.start(identity, calls.clone(), undertaker);
    let forwarder = shared.forward_key.map(|key| {
        crate::forward::Forwarder::new(cluster.clone(), &key, parts.config.max_body_bytes)
    });
    let node = Node::new(NodeParts {
        directory,
        calls,
        signing_key,
        base_url: parts.base_url.clone(),
        data_dir: parts.data_dir.clone(),
        database: parts.database.clone(),
        cluster: Some(cluster),
        dev_mode: parts.dev_mode,
    });
    Ok(AppState::new(StateParts {
        node,
        admin_token: parts.admin_token,
        config: parts.config,
        outbox,
        forwarder,
    }))
}

/// What every node of a cluster holds alike: the token-signing key (so a token any node issued is
/// good on every node, and notifications carry one key set) and the key that authenticates
/// forwarded requests. A node of its own keeps its signing key in the data directory and forwards
/// nothing.
struct Shared {
    signing_key: SigningKey,
    forward_key: Option<Vec<u8>>,
}

impl Shared {
    fn of(parts: &Parts, cluster: &Cluster) -> Result<Shared> {
        let local = load_or_create_signing_key(&parts.data_dir)?;
        if !matches!(parts.database, Database::Postgres(_)) {
            return Ok(Shared {
                signing_key: local,
                forward_key: None,
            });
        }
        // Ids minted from here on carry this node's number, so any node can tell their owner.
        ringside_runtime::ids::set_node_tag(cluster.number());
        let pem = cluster
            .secret("signing-key", local.to_pkcs8_pem().as_bytes())
            .context("reading the cluster's signing key")?;
        let pem =
            String::from_utf8(pem).map_err(|_| anyhow!("the cluster's signing key is not PEM"))?;
        let signing_key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|error| anyhow!("the cluster's signing key: {error}"))?;
        let mut fresh = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut fresh);
        let forward_key = cluster
            .secret("forward-key", &fresh)
            .context("reading the cluster's forwarding key")?;
        Ok(Shared {
            signing_key,
            forward_key: Some(forward_key),
        })
    }
}

/// What the outbox asks before each attempt: Event Grid rows go only while their subscription
/// exists.
fn still_wanted(directory: Arc<DirectoryStore>) -> ringside_runtime::outbox::StillWanted {
    Arc::new(move |row| directory.read(|d| ringside_door_acs::event_grid_row_wanted(d, row)))
}

/// The doors, in offer order: Graph, then ACS.
fn doors(
    parts: &Parts,
    outbox: &Outbox,
    services: &MediaServices,
    signer: &dyn Fn() -> TokenSigner,
    records: &CallRecords,
) -> Doors {
    let graph = ringside_door_graph::GraphCalls::new(outbox.clone())
        .with_recordings(ringside_door_graph::RecordingLinks {
            store: services.recordings.clone(),
            base_url: parts.base_url.clone(),
        })
        .with_raw_media(ringside_door_graph::RawMedia::new(
            signer(),
            services.streams.clone(),
        ))
        .with_call_records(records.clone());
    let acs = ringside_door_acs::AcsCalls::new(outbox.clone())
        .with_media(services.streams.clone(), signer())
        .with_recorder(services.streams.clone(), &parts.data_dir, &parts.base_url)
        .with_call_records(records.clone());
    Doors::default()
        .with_dialect("graph", graph)
        .with_dialect("acs", acs)
}

fn runtime_options(parts: &Parts) -> RuntimeOptions {
    let realtime_priority = crate::config::realtime_priority_override(
        std::env::var("RINGSIDE_MEDIA_REALTIME_PRIORITY")
            .ok()
            .as_deref(),
        parts.config.media_realtime_priority,
    );
    RuntimeOptions {
        data_dir: parts.data_dir.clone(),
        media: if parts.manual_media_clock {
            MediaMode::Manual
        } else {
            MediaMode::Threads { realtime_priority }
        },
        ids: Box::new(ringside_runtime::routing::RandomIds),
        // The platform API reports leg ends in Graph's resultInfo codes.
        end_codes: ringside_door_graph::codes::end_reason,
    }
}

/// The token-signing key, generated once and kept in `<data-dir>/keys/signing-key.pem`.
fn load_or_create_signing_key(data_dir: &Path) -> Result<SigningKey> {
    let dir = data_dir.join("keys");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("signing-key.pem");
    if path.exists() {
        let pem = std::fs::read_to_string(&path)?;
        return SigningKey::from_pkcs8_pem(&pem)
            .map_err(|error| anyhow!("{}: {error}", path.display()));
    }
    let key =
        SigningKey::generate().map_err(|error| anyhow!("generating the signing key: {error}"))?;
    let pem = key.to_pkcs8_pem();
    write_private(&path, pem.as_bytes())?;
    Ok(key)
}
