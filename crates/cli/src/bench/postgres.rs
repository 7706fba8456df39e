//! The throwaway PostgreSQL server of `ringside bench --store postgres`: Debian's `postgresql`
//! binaries (`RINGSIDE_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`), a cluster made with
//! `initdb` in a temporary directory, listening on a free 127.0.0.1 port with the stock settings
//! (fsync and synchronous commit on, as a deployment would run), one `ringside` database. Run as
//! the `postgres` user when the bench is root (PostgreSQL refuses root). It is stopped (fast
//! shutdown) and its directory removed by [`Postgres::stop`], on drop, and by a watchdog shell if
//! the bench itself is killed.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

/// How long the server may take to accept sessions after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a fast shutdown may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running throwaway server.
pub(crate) struct Postgres {
    /// `postgres://postgres@127.0.0.1:<port>/ringside`.
    pub(crate) url: String,
    /// The postmaster's process id (its backends are its children).
    pub(crate) pid: u32,
    process: Option<std::process::Child>,
    dir: PathBuf,
}

impl Postgres {
    /// Makes a cluster, starts it and creates the `ringside` database.
    pub(crate) fn start() -> Result<Postgres> {
        let bin = binaries()?;
        // Removed on drop until the server runs; then stop() and the watchdog remove it.
        let temp = tempfile::Builder::new()
            .prefix("ringside-bench-pg-")
            .tempdir()
            .context("creating the PostgreSQL directory")?;
        let as_postgres = running_as_root();
        if as_postgres {
            chown_to_postgres(temp.path())?;
        }
        initdb(&bin, &temp.path().join("data"), as_postgres)?;
        let port = free_port()?;
        let process = spawn_server(&bin, temp.path(), port, as_postgres)?;
        let dir = temp.keep();
        let mut server = Postgres {
            url: format!("postgres://postgres@127.0.0.1:{port}/ringside"),
            pid: process.id(),
            process: Some(process),
            dir,
        };
        watchdog(server.pid, &server.dir)?;
        let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let psql = bin.join("psql");
        server.wait_ready(&psql, &admin)?;
        let created = Command::new(&psql)
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", &admin])
            .args(["-c", "CREATE DATABASE ringside"])
            .output()
            .context("running psql")?;
        if !created.status.success() {
            bail!(
                "CREATE DATABASE ringside: {}",
                String::from_utf8_lossy(&created.stderr)
            );
        }
        Ok(server)
    }

    /// Polls until the server answers a query (it refuses sessions while starting up).
    fn wait_ready(&mut self, psql: &Path, admin: &str) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(Ok(Some(status))) = self.process.as_mut().map(|p| p.try_wait()) {
                bail!("postgres exited ({status}): {}", self.log());
            }
            let answered = Command::new(psql)
                .args(["-q", "-d", admin, "-c", "SELECT 1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answered {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "postgres did not accept sessions within 60 s: {}",
            self.log()
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Fast shutdown (SIGINT), killed after 10 s; the directory is removed.
    pub(crate) fn stop(mut self) -> Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<()> {
        let Some(mut process) = self.process.take() else {
            return Ok(());
        };
        let _ = Command::new("kill")
            .args(["-INT", &process.id().to_string()])
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        let mut stopped = false;
        while Instant::now() < deadline {
            if matches!(process.try_wait(), Ok(Some(_))) {
                stopped = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !stopped {
            let _ = process.kill();
            let _ = process.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if stopped {
            Ok(())
        } else {
            Err(anyhow!("postgres did not stop within 10 s (killed)"))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

/// Makes the database cluster in `data` (trust authentication on loopback, superuser `postgres`).
fn initdb(bin: &Path, data: &Path, as_postgres: bool) -> Result<()> {
    let initdb = run_as(&bin.join("initdb"), as_postgres)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "-D"])
        .arg(data)
        .stdout(Stdio::null())
        .output()
        .context("running initdb")?;
    if !initdb.status.success() {
        bail!("initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
    }
    Ok(())
}

/// The postmaster on 127.0.0.1:`port`, its socket and log in `dir`.
fn spawn_server(
    bin: &Path,
    dir: &Path,
    port: u16,
    as_postgres: bool,
) -> Result<std::process::Child> {
    let log = std::fs::File::create(dir.join("server.log")).context("the server log")?;
    run_as(&bin.join("postgres"), as_postgres)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
        .args(["-c", "max_connections=300", "-k"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting postgres")
}

/// The directory with `initdb`, `postgres` and `psql`.
fn binaries() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("RINGSIDE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            anyhow!(
                "PostgreSQL is not installed (no /usr/lib/postgresql): run \
                 scripts/system-packages.sh, set RINGSIDE_PG_BIN, or pass --store postgres=URL"
            )
        })?
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
        .ok_or_else(|| anyhow!("no initdb under /usr/lib/postgresql/*/bin"))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A command run as the `postgres` user when we are root.
fn run_as(program: &Path, as_postgres: bool) -> Command {
    if !as_postgres {
        return Command::new(program);
    }
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
}

fn chown_to_postgres(dir: &Path) -> Result<()> {
    let status = Command::new("chown")
        .arg("postgres:postgres")
        .arg(dir)
        .status()
        .context("running chown")?;
    if !status.success() {
        bail!(
            "chown postgres {} failed (is there a postgres user?)",
            dir.display()
        );
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A shell that waits for the bench to end, then stops the server and removes its directory —
/// also when the bench is killed and no destructor runs.
fn watchdog(server: u32, dir: &Path) -> Result<()> {
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
        .context("starting the PostgreSQL watchdog")
}
