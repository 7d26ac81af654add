//! Test support (cargo feature `testing`): a real OpenSSH `sshd` on 127.0.0.1 and throwaway
//! local users.
//!
//! Used by this crate's `tests/sftp_*.rs` (through a dev-dependency on itself with the
//! feature) and available to the workspace's end-to-end tests:
//!
//! ```toml
//! [dev-dependencies]
//! roster-sftp = { workspace = true, features = ["testing"] }
//! ```
//!
//! ```no_run
//! use roster_sftp::testing::{Sshd, SshdOptions};
//! let sshd = Sshd::start_with(SshdOptions::default());
//! let inbox = sshd.make_dir("inbox");
//! // SftpTarget { host: "127.0.0.1", port: sshd.port(), host_key_sha256: sshd.fingerprint(),
//! //             auth: KeyFile { path: sshd.client_key() }, username: current_user(), .. }
//! ```
//!
//! Requirements: `/usr/sbin/sshd` (`apt-get install openssh-server`) and `ssh-keygen`; root
//! for password tests ([`TestUser`] runs `useradd`) and, in practice, for sshd itself.
//! A missing sshd is a panic (a failed test), never a skip.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;

/// Where Debian's `openssh-server` installs the daemon.
pub const SSHD_PATH: &str = "/usr/sbin/sshd";

/// The passphrase of [`Sshd::encrypted_client_key`].
pub const CLIENT_KEY_PASSPHRASE: &str = "correct horse battery staple";

/// Which authentication methods the test server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshdOptions {
    /// sshd's `PasswordAuthentication`.
    pub password_authentication: bool,
    /// sshd's `KbdInteractiveAuthentication`.
    pub kbd_interactive_authentication: bool,
    /// sshd's `PubkeyAuthentication`.
    pub pubkey_authentication: bool,
    /// PAM is what backs keyboard-interactive on Linux; without it sshd has no kbd device.
    pub use_pam: bool,
}

impl Default for SshdOptions {
    /// Public key and password, no keyboard-interactive, no PAM.
    fn default() -> Self {
        SshdOptions {
            password_authentication: true,
            kbd_interactive_authentication: false,
            pubkey_authentication: true,
            use_pam: false,
        }
    }
}

impl SshdOptions {
    /// Only keyboard-interactive through PAM (like many vendor SFTP servers): no `password`
    /// method, so a password client must fall back.
    pub fn keyboard_interactive_only() -> Self {
        SshdOptions {
            password_authentication: false,
            kbd_interactive_authentication: true,
            pubkey_authentication: true,
            use_pam: true,
        }
    }
}

/// A running `sshd -D -e` with its own host key, config and authorized keys in a temp dir.
/// Dropping it kills the daemon and every session process it forked.
pub struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    config: PathBuf,
    log: PathBuf,
    fingerprint: String,
    client_key: PathBuf,
    encrypted_client_key: PathBuf,
}

impl Sshd {
    /// Starts a server with [`SshdOptions::default`].
    pub fn start() -> Sshd {
        Sshd::start_with(SshdOptions::default())
    }

    /// Starts a server; panics with the server's log if it does not come up.
    pub fn start_with(opts: SshdOptions) -> Sshd {
        assert!(
            Path::new(SSHD_PATH).exists(),
            "{SSHD_PATH} not found: the SFTP tests need OpenSSH's server. Install it with \
             `apt-get install openssh-server`"
        );
        // Privilege separation directory.
        fs::create_dir_all("/run/sshd").expect("create /run/sshd (run the tests as root)");

        let dir = tempfile::Builder::new()
            .prefix("roster-sshd-")
            .tempdir()
            .expect("create a temp dir for sshd");
        // Throwaway users must reach upload dirs inside it.
        set_mode(dir.path(), 0o755);

        let host_key = dir.path().join("ssh_host_ed25519_key");
        keygen(&host_key, "");
        let fingerprint = fingerprint_of(&host_key.with_extension("pub"));

        let client_key = dir.path().join("client_ed25519");
        keygen(&client_key, "");
        let encrypted_client_key = dir.path().join("client_ed25519_encrypted");
        keygen(&encrypted_client_key, CLIENT_KEY_PASSPHRASE);
        let mut authorized = String::new();
        for k in [&client_key, &encrypted_client_key] {
            authorized.push_str(
                &fs::read_to_string(k.with_extension("pub"))
                    .unwrap_or_else(|e| panic!("read {}: {e}", k.with_extension("pub").display())),
            );
        }
        let authorized_keys = dir.path().join("authorized_keys");
        fs::write(&authorized_keys, authorized).expect("write authorized_keys");
        set_mode(&authorized_keys, 0o644);

        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let config = dir.path().join("sshd_config");
        let log = dir.path().join("sshd.log");
        let mut sshd = Sshd {
            port: 0,
            child: None,
            config,
            log,
            fingerprint,
            client_key,
            encrypted_client_key,
            dir,
        };
        // A free port can be taken between our probe and sshd's bind: try a few.
        for _ in 0..5 {
            sshd.port = free_port();
            let text = format!(
                "ListenAddress 127.0.0.1\n\
                 Port {port}\n\
                 HostKey {host_key}\n\
                 PidFile {pid}\n\
                 AuthorizedKeysFile {authorized}\n\
                 Subsystem sftp internal-sftp\n\
                 StrictModes no\n\
                 UsePAM {pam}\n\
                 PasswordAuthentication {pw}\n\
                 KbdInteractiveAuthentication {kbd}\n\
                 PubkeyAuthentication {pk}\n\
                 PermitRootLogin prohibit-password\n\
                 PermitEmptyPasswords no\n\
                 MaxStartups 100\n\
                 MaxAuthTries 10\n\
                 LogLevel VERBOSE\n",
                port = sshd.port,
                host_key = host_key.display(),
                pid = sshd.dir.path().join("sshd.pid").display(),
                authorized = authorized_keys.display(),
                pam = yes_no(opts.use_pam),
                pw = yes_no(opts.password_authentication),
                kbd = yes_no(opts.kbd_interactive_authentication),
                pk = yes_no(opts.pubkey_authentication),
            );
            fs::write(&sshd.config, text).expect("write sshd_config");
            if sshd.spawn() {
                return sshd;
            }
        }
        panic!(
            "sshd did not start after 5 tries; last log:\n{}",
            sshd.log()
        );
    }

    /// Starts the daemon with the current config and port; `false` if the port was taken.
    fn spawn(&mut self) -> bool {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open sshd log");
        let mut cmd = Command::new(SSHD_PATH);
        cmd.arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&self.config)
            .stdin(Stdio::null());
        // If the test process dies without running Drop (SIGKILL, abort), the kernel kills
        // the daemon too. (It fires when the spawning *thread* exits: keep the `Sshd` on the
        // thread that started it, as tests do.)
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {SSHD_PATH}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(status) = child.try_wait().expect("wait for sshd") {
                let log = self.log();
                if log.contains("Address already in use") {
                    return false;
                }
                panic!("sshd exited at start ({status}); log:\n{log}");
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                self.child = Some(child);
                return true;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "sshd did not accept on {addr} within 10 s; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The address sshd listens on (`127.0.0.1`).
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The port sshd listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host key's fingerprint as `ssh-keygen -l -E sha256` prints it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// An unencrypted client key whose public half is authorized (log in as the user running
    /// the tests, e.g. root).
    pub fn client_key(&self) -> &Path {
        &self.client_key
    }

    /// An authorized client key encrypted with [`CLIENT_KEY_PASSPHRASE`].
    pub fn encrypted_client_key(&self) -> &Path {
        &self.encrypted_client_key
    }

    /// The server's temp dir (config, keys, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Creates an empty directory that any user may write to (mode 0777) inside the
    /// server's temp dir, e.g. the remote directory of an upload test.
    pub fn make_dir(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::create_dir_all(&p).unwrap_or_else(|e| panic!("create {}: {e}", p.display()));
        set_mode(&p, 0o777);
        p
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// sshd's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Is sshd still running?
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the daemon and every session process it forked (SIGKILL), like a crash or a
    /// pulled cable: open connections break mid-transfer. Safe to call twice.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id() as i32;
        // Freeze the listener so it forks no new session while we collect its descendants.
        // SAFETY: plain syscalls on a pid we spawned and have not reaped yet.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        for d in descendants(pid) {
            unsafe { libc::kill(d, libc::SIGKILL) };
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the daemon again on the same port with the same keys.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.spawn() {
            assert!(
                Instant::now() < deadline,
                "port {} still in use after stopping sshd; log:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Sshd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sshd")
            .field("port", &self.port)
            .field("pid", &self.pid())
            .field("dir", &self.dir.path())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// Every process below `root` in the process tree, from `/proc/*/stat`.
fn descendants(root: i32) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(ppid) = after
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse::<i32>().ok())
            {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0 to find a free port")
}

fn set_mode(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", p.display()));
}

fn keygen(path: &Path, passphrase: &str) {
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "roster-sftp-test",
            "-N",
            passphrase,
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run ssh-keygen ({e}): install it with `apt-get install openssh-client`")
        });
    assert!(
        out.status.success(),
        "ssh-keygen -f {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ssh-keygen -l -E sha256 -f KEY.pub` prints "256 SHA256:... comment (ED25519)".
pub fn fingerprint_of(public_key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(public_key)
        .output()
        .expect("run ssh-keygen -l");
    assert!(out.status.success(), "ssh-keygen -l failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .filter(|f| f.starts_with("SHA256:"))
        .unwrap_or_else(|| {
            panic!(
                "unexpected ssh-keygen -l output for {}",
                public_key.display()
            )
        })
        .to_string()
}

/// The name of the user running the tests (the one [`Sshd::client_key`] logs in as).
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

static USERADD: Mutex<()> = Mutex::new(());
static USER_SEQ: AtomicU32 = AtomicU32::new(0);

/// A throwaway local account with a random password, for password and keyboard-interactive
/// tests. Needs root (`useradd`, `chpasswd`); `userdel -r` removes it on drop, also when the
/// test panics. Names are unique per process and run: `rsftp<pid>x<seq><random>`.
pub struct TestUser {
    name: String,
    password: String,
}

impl TestUser {
    /// A new throwaway local user with a random password (removed on drop).
    pub fn create() -> TestUser {
        remove_stale_users();
        let mut rng = rand::thread_rng();
        let name = format!(
            "rsftp{}x{}{:04x}",
            std::process::id(),
            USER_SEQ.fetch_add(1, Ordering::Relaxed),
            rng.gen_range(0..0x10000u32)
        );
        let password: String = (0..20)
            .map(|_| {
                let chars = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
                chars[rng.gen_range(0..chars.len())] as char
            })
            .collect();
        let _guard = USERADD.lock().unwrap_or_else(|e| e.into_inner());
        run_locked(
            Command::new("useradd").args(["-m", "-s", "/bin/sh", &name]),
            "useradd (the password tests must run as root)",
        );
        // From here on, Drop removes the account even if chpasswd fails.
        let user = TestUser { name, password };
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run chpasswd");
        {
            use std::io::Write;
            let mut stdin = chpasswd.stdin.take().expect("chpasswd stdin");
            writeln!(stdin, "{}:{}", user.name, user.password).expect("write to chpasswd");
        }
        let out = chpasswd.wait_with_output().expect("wait for chpasswd");
        assert!(
            out.status.success(),
            "chpasswd failed for {}: {}",
            user.name,
            String::from_utf8_lossy(&out.stderr)
        );
        user
    }

    /// The user's login.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The user's password.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl std::fmt::Debug for TestUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestUser")
            .field("name", &self.name)
            .field("password", &"***")
            .finish()
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _guard = USERADD.lock().unwrap_or_else(|e| e.into_inner());
        // `-f` removes the account even if a session of it is still alive (declare the
        // user before the `Sshd` so the server, and its sessions, are dropped first).
        for _ in 0..20 {
            match Command::new("userdel")
                .args(["-r", "-f", &self.name])
                .stderr(Stdio::null())
                .status()
            {
                // 0 done, 6 no such user, 12 cannot remove home (already gone).
                Ok(s) if matches!(s.code(), Some(0 | 6 | 12)) => return,
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        eprintln!("warning: could not remove test user {}", self.name);
    }
}

/// Removes `rsftp<pid>x…` accounts left by test processes that were killed before their
/// `Drop` ran (their pid no longer exists).
fn remove_stale_users() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(passwd) = fs::read_to_string("/etc/passwd") else {
            return;
        };
        for name in passwd.lines().filter_map(|l| l.split(':').next()) {
            let Some(rest) = name.strip_prefix("rsftp") else {
                continue;
            };
            let Some(pid) = rest.split('x').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _guard = USERADD.lock().unwrap_or_else(|e| e.into_inner());
                let _ = Command::new("userdel")
                    .args(["-r", "-f", name])
                    .stderr(Stdio::null())
                    .status();
            }
        }
    });
}

/// Runs a passwd-file command, retrying while another process holds /etc/passwd's lock
/// (exit code 10 for useradd).
fn run_locked(cmd: &mut Command, what: &str) {
    for _ in 0..50 {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        if out.status.success() {
            return;
        }
        if out.status.code() != Some(10) {
            panic!(
                "{what} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what}: /etc/passwd stayed locked");
}
