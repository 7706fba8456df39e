//! A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries, a cluster made with
//! `initdb` in a temporary directory, listening on a free 127.0.0.1 port (no system service), one
//! per test process, a fresh database per caller, and a watchdog that stops the server and deletes
//! its directory when the test process ends. `RINGSIDE_TEST_POSTGRES_URL` (a superuser URL to an
//! existing server) replaces the throwaway server.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the server may take to accept connections after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server (or the one `RINGSIDE_TEST_POSTGRES_URL` names).
#[derive(Debug)]
pub struct TestPostgres {
    host: String,
    port: u16,
    user: String,
    psql: PathBuf,
}

static SHARED: OnceLock<Result<TestPostgres, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(1);

impl TestPostgres {
    /// The test process's server, started on first use. Panics (failing the test) with what is
    /// missing when no server can be started: run `scripts/system-packages.sh`.
    pub fn shared() -> &'static TestPostgres {
        match SHARED.get_or_init(TestPostgres::start) {
            Ok(server) => server,
            Err(why) => panic!("no PostgreSQL for the tests: {why}"),
        }
    }

    /// A new, empty database on the server; its connection URL.
    pub fn fresh_database(&self) -> String {
        let name = format!(
            "ringside_test_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
        );
        self.psql(&format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{}@{}:{}/{name}",
            self.user, self.host, self.port
        )
    }

    /// Runs SQL as the superuser on the `postgres` database; panics if it fails.
    pub fn psql(&self, sql: &str) {
        self.execute(&self.url("postgres"), sql);
    }

    /// Runs SQL (one or more statements) on the database at `url`; panics if it fails.
    pub fn execute(&self, url: &str, sql: &str) {
        let output = Command::new(&self.psql)
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", url, "-c", sql])
            .output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        assert!(
            output.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start() -> Result<TestPostgres, String> {
        let bin = binaries()?;
        if let Ok(url) = std::env::var("RINGSIDE_TEST_POSTGRES_URL") {
            return from_url(&url, bin.join("psql"));
        }
        let dir = tempdir()?;
        let as_postgres = running_as_root();
        if as_postgres {
            chown_to_postgres(&dir)?;
        }
        let data = dir.join("data");
        let initdb = run_as(&bin.join("initdb"), as_postgres)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr)
            ));
        }
        let port = free_port()?;
        let server = run_as(&bin.join("postgres"), as_postgres)
            .arg("-D")
            .arg(&data)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-p",
                &port.to_string(),
                "-k",
            ])
            .arg(&dir)
            // A test server: durability across an OS crash is not what these tests check.
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?,
            ))
            .spawn()
            .map_err(|e| format!("postgres: {e}"))?;
        watchdog(server.id(), &dir)?;
        let server = TestPostgres {
            host: "127.0.0.1".into(),
            port,
            user: "postgres".into(),
            psql: bin.join("psql"),
        };
        wait_ready(&server, &dir)?;
        Ok(server)
    }
}

/// The directory with `initdb`, `postgres` and `psql`: `RINGSIDE_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian's layout).
fn binaries() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("RINGSIDE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "PostgreSQL is not installed (no /usr/lib/postgresql)".to_string())?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".into())
}

fn from_url(url: &str, psql: PathBuf) -> Result<TestPostgres, String> {
    let rest = url
        .strip_prefix("postgres://")
        .ok_or("RINGSIDE_TEST_POSTGRES_URL must be postgres://user@host:port")?;
    let (user, host_port) = rest
        .split_once('@')
        .ok_or("RINGSIDE_TEST_POSTGRES_URL needs a user")?;
    let host_port = host_port.split('/').next().unwrap_or(host_port);
    let (host, port) = host_port
        .rsplit_once(':')
        .ok_or("RINGSIDE_TEST_POSTGRES_URL needs a port")?;
    Ok(TestPostgres {
        host: host.into(),
        port: port.parse().map_err(|_| "bad port".to_string())?,
        user: user.into(),
        psql,
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A command run as the `postgres` user when we are root (initdb and postgres refuse root).
fn run_as(program: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid=postgres",
                "--regid=postgres",
                "--init-groups",
                "--",
            ])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn tempdir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir().join(format!(
        "ringside-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    Ok(base)
}

fn chown_to_postgres(dir: &Path) -> Result<(), String> {
    let status = Command::new("chown")
        .arg("postgres:postgres")
        .arg(dir)
        .status()
        .map_err(|e| format!("chown: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "chown postgres failed (is the postgres user there?)".into())
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// A shell that waits for this process to end, then stops the server (fast shutdown) and removes
/// its directory — the server outlives no test run.
fn watchdog(server: u32, dir: &Path) -> Result<(), String> {
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill -INT {server} 2>/dev/null; \
         while kill -0 {server} 2>/dev/null; do sleep 0.1; done; rm -rf '{dir}'",
        me = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("watchdog: {e}"))
}

/// Polls until the server answers a query (a listening socket is not enough: it refuses sessions
/// while "starting up"); bounded, and the log tells why it did not start.
fn wait_ready(server: &TestPostgres, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        let answered = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).is_ok()
            && Command::new(&server.psql)
                .args(["-q", "-d", &server.url("postgres"), "-c", "SELECT 1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
        if answered {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!(
        "postgres did not start on port {}: {log}",
        server.port
    ))
}
