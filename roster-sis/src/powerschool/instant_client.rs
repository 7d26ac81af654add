//! Finding Oracle Instant Client without loading it: the Oracle backend loads the client
//! library at its first connection (ODPI-C), and a missing library is the commonest first-night
//! failure. `doctor` looks for the file where the loader would, so it can say so without
//! connecting.

use std::path::{Path, PathBuf};

/// The client library's file name on this platform.
pub const LIBRARY: &str = if cfg!(windows) {
    "oci.dll"
} else if cfg!(target_os = "macos") {
    "libclntsh.dylib"
} else {
    "libclntsh.so"
};

/// The directories the loader searches, from `env` (`LD_LIBRARY_PATH`, or `PATH` on Windows,
/// and `ORACLE_HOME`) then the system's: `/etc/ld.so.conf` and its includes, the standard
/// library directories, and Oracle's usual install places.
pub fn search_dirs(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let path_var = if cfg!(windows) {
        "PATH"
    } else if cfg!(target_os = "macos") {
        "DYLD_LIBRARY_PATH"
    } else {
        "LD_LIBRARY_PATH"
    };
    if let Some(p) = env(path_var) {
        dirs.extend(std::env::split_paths(&p).filter(|d| !d.as_os_str().is_empty()));
    }
    if let Some(home) = env("ORACLE_HOME").filter(|h| !h.trim().is_empty()) {
        dirs.push(PathBuf::from(&home));
        dirs.push(Path::new(&home).join("lib"));
    }
    if cfg!(unix) {
        dirs.extend(ld_so_conf(Path::new("/etc/ld.so.conf")));
        for d in [
            "/lib",
            "/lib64",
            "/usr/lib",
            "/usr/lib64",
            "/usr/local/lib",
            "/usr/lib/x86_64-linux-gnu",
        ] {
            dirs.push(PathBuf::from(d));
        }
        dirs.extend(subdirs(Path::new("/opt/oracle"), "instantclient", None));
        dirs.extend(subdirs(
            Path::new("/usr/lib/oracle"),
            "",
            Some("client64/lib"),
        ));
    }
    dirs.dedup();
    dirs
}

/// The client library in one of `dirs` (`libclntsh.so` or a versioned `libclntsh.so.N`),
/// or `None`.
pub fn find_in(dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter().find_map(|d| {
        let exact = d.join(LIBRARY);
        if exact.is_file() {
            return Some(exact);
        }
        std::fs::read_dir(d).ok()?.flatten().find_map(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            (name.starts_with(&format!("{LIBRARY}.")) && e.path().is_file()).then(|| e.path())
        })
    })
}

/// Where Instant Client is, as the environment and the system say; `Err` lists the
/// directories searched.
pub fn find(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, Vec<PathBuf>> {
    let dirs = search_dirs(env);
    find_in(&dirs).ok_or(dirs)
}

/// The directories an `ld.so.conf` names, following its `include` globs (one level of `*`).
fn ld_so_conf(file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    for line in text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
    {
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = Path::new(pattern.trim());
            let (Some(parent), Some(name)) = (pattern.parent(), pattern.file_name()) else {
                continue;
            };
            let name = name.to_string_lossy();
            let (prefix, suffix) = name.split_once('*').unwrap_or((&name, ""));
            let Ok(entries) = std::fs::read_dir(parent) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    n.starts_with(prefix) && n.ends_with(suffix)
                })
                .collect();
            files.sort();
            for f in files {
                dirs.extend(ld_so_conf(&f));
            }
        } else if !line.is_empty() {
            dirs.push(PathBuf::from(line));
        }
    }
    dirs
}

/// The subdirectories of `dir` whose name starts with `prefix`, each joined with `tail`.
fn subdirs(dir: &Path, prefix: &str, tail: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| match tail {
            Some(t) => e.path().join(t),
            None => e.path(),
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_library_or_a_versioned_one_only_where_it_is() {
        let empty = tempfile::tempdir().unwrap();
        let with = tempfile::tempdir().unwrap();
        let dirs = vec![empty.path().to_path_buf()];
        assert_eq!(find_in(&dirs), None);
        std::fs::write(with.path().join(format!("{LIBRARY}.23.1")), b"").unwrap();
        let dirs = vec![empty.path().to_path_buf(), with.path().to_path_buf()];
        assert_eq!(
            find_in(&dirs),
            Some(with.path().join(format!("{LIBRARY}.23.1")))
        );
        // A directory of that name is not the library.
        std::fs::create_dir(empty.path().join(LIBRARY)).unwrap();
        assert_eq!(find_in(&dirs[..1]), None);
    }

    #[test]
    fn the_environment_comes_first() {
        let env = |k: &str| match k {
            "LD_LIBRARY_PATH" | "PATH" | "DYLD_LIBRARY_PATH" => Some("/a/first".to_string()),
            "ORACLE_HOME" => Some("/opt/ora".to_string()),
            _ => None,
        };
        let dirs = search_dirs(&env);
        assert_eq!(dirs[0], PathBuf::from("/a/first"));
        assert!(dirs.contains(&PathBuf::from("/opt/ora/lib")));
    }
}
