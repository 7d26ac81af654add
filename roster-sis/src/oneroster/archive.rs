//! Where a OneRoster file's bytes come from: a folder of CSV files, or a `.zip` of one.
//!
//! A zip is read in memory, never extracted: an entry is found by its exact name at the
//! archive's root, so no entry name can reach the file system. Limits keep a hostile or broken
//! archive from exhausting memory: at most [`MAX_ENTRIES`] entries, and an entry stops being
//! read past [`MAX_ENTRY_BYTES`] uncompressed (its declared size is not trusted: the bytes are
//! counted as they inflate).

use std::io::Read;
use std::path::Path;

/// The most entries a OneRoster zip may hold (it needs five to seven).
pub const MAX_ENTRIES: usize = 10_000;
/// The largest uncompressed CSV file a zip may hold: 1 GiB (a district of 1,000,000 users
/// is about 300 MB of `users.csv`).
pub const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// Is this path a zip file (rather than a folder)?
pub(super) fn is_zip(src: &Path) -> bool {
    src.is_file()
}

/// How a file of the source is named in messages: `DIR/users.csv` or `FILE.zip:users.csv`.
pub(super) fn display(src: &Path, file: &str) -> String {
    if is_zip(src) {
        format!("{}:{file}", src.display())
    } else {
        src.join(file).display().to_string()
    }
}

/// The bytes of `file` in the folder or zip `src`; the error is the reason alone (the caller
/// adds the location from [`display`]).
pub(super) fn read(src: &Path, file: &str) -> Result<Vec<u8>, String> {
    if !src.exists() {
        return Err(format!(
            "{} does not exist (give a OneRoster folder or .zip)",
            src.display()
        ));
    }
    if is_zip(src) {
        read_zip(src, file, MAX_ENTRY_BYTES)
    } else {
        std::fs::read(src.join(file)).map_err(|e| e.to_string())
    }
}

fn read_zip(src: &Path, file: &str, limit: u64) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(src).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| format!("is not a readable zip: {e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "the zip holds {} entries, more than {MAX_ENTRIES}: not a OneRoster export",
            zip.len()
        ));
    }
    if zip.index_for_name(file).is_none() {
        return Err(missing_reason(&zip, file));
    }
    let mut entry = zip
        .by_name(file)
        .map_err(|e| format!("cannot read the zip entry: {e}"))?;
    if entry.is_dir() {
        return Err("is a folder in the zip, not a CSV file".into());
    }
    let mut bytes = Vec::new();
    (&mut entry)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot inflate the zip entry: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "is larger than {limit} bytes uncompressed (a zip bomb, or not a OneRoster file): not read"
        ));
    }
    Ok(bytes)
}

/// Why `file` is not in the zip, with a hint when it sits in a folder inside it.
fn missing_reason<R: Read + std::io::Seek>(zip: &zip::ZipArchive<R>, file: &str) -> String {
    let nested = zip
        .file_names()
        .find(|n| n.rsplit('/').next() == Some(file) && n.contains('/'));
    match nested {
        Some(n) => format!(
            "is not at the zip's root (found {n:?}): zip the CSV files themselves, not their folder"
        ),
        None => "is not in the zip".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("or.zip");
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, body) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(body).unwrap();
        }
        w.finish().unwrap();
        (dir, path)
    }

    #[test]
    fn an_entry_is_read_by_its_root_name() {
        let (_d, p) = zip_of(&[("orgs.csv", b"a,b\n1,2\n")]);
        assert_eq!(read(&p, "orgs.csv").unwrap(), b"a,b\n1,2\n");
        assert_eq!(display(&p, "orgs.csv"), format!("{}:orgs.csv", p.display()));
    }

    #[test]
    fn a_missing_or_nested_entry_is_named() {
        let (_d, p) = zip_of(&[("export/users.csv", b"x\n")]);
        let why = read(&p, "users.csv").unwrap_err();
        assert!(why.contains("not at the zip's root"), "{why}");
        assert!(why.contains("export/users.csv"), "{why}");
        assert_eq!(read(&p, "orgs.csv").unwrap_err(), "is not in the zip");
    }

    #[test]
    fn an_entry_that_inflates_past_the_limit_stops_being_read() {
        // 4 MiB of zeros deflate to a few KiB: a small bomb against a 1 MiB limit.
        let big = vec![0u8; 4 << 20];
        let (_d, p) = zip_of(&[("users.csv", &big)]);
        assert!(std::fs::metadata(&p).unwrap().len() < 64 << 10);
        let why = read_zip(&p, "users.csv", 1 << 20).unwrap_err();
        assert!(why.contains("larger than 1048576 bytes"), "{why}");
        assert_eq!(read_zip(&p, "users.csv", 8 << 20).unwrap().len(), 4 << 20);
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("or.zip");
        std::fs::write(&p, "sourcedId,name\n").unwrap();
        let why = read(&p, "orgs.csv").unwrap_err();
        assert!(why.starts_with("is not a readable zip"), "{why}");
        let why = read(&dir.path().join("absent"), "orgs.csv").unwrap_err();
        assert!(why.contains("does not exist"), "{why}");
    }
}
