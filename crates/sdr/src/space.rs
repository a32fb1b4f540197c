//! Disk space. Layers and parent caches are written through memory maps, and a store into a
//! mapped page that the filesystem cannot back kills the process with SIGBUS instead of
//! returning an error. So the space a run needs is checked before work starts, and every file
//! is given its blocks (reserved, not sparse) before it is mapped: a full disk is then an
//! ordinary error that names the file and the space it needed.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Result, SdrError};

/// Space a run will write into one directory.
#[derive(Clone, Debug)]
pub struct SpaceNeed {
    /// The directory (it need not exist yet: its nearest existing ancestor is asked).
    pub dir: PathBuf,
    /// Bytes that will be written there.
    pub bytes: u64,
    /// What the bytes are, for the error ("2 layers", "the parent cache").
    pub what: String,
}

/// Checks that every filesystem named by `needs` has room for all the bytes it will receive
/// (needs on one filesystem are added up). Fails with [`SdrError::NoSpace`] for the first one
/// that has not.
pub fn check_free_space(needs: &[SpaceNeed]) -> Result<()> {
    let mut by_device: Vec<(u64, u64, Vec<&SpaceNeed>)> = Vec::new();
    for need in needs.iter().filter(|n| n.bytes > 0) {
        let existing = nearest_existing(&need.dir)?;
        let device = device_of(&existing)?;
        match by_device.iter_mut().find(|(d, _, _)| *d == device) {
            Some((_, total, members)) => {
                *total = total.saturating_add(need.bytes);
                members.push(need);
            }
            None => by_device.push((device, need.bytes, vec![need])),
        }
    }
    for (_, total, members) in by_device {
        let available = available_bytes(&members[0].dir)?;
        if available < total {
            let what = members
                .iter()
                .map(|m| m.what.as_str())
                .collect::<Vec<_>>()
                .join(" and ");
            return Err(SdrError::NoSpace {
                path: members[0].dir.clone(),
                what,
                needed: total,
                available,
            });
        }
    }
    Ok(())
}

/// Bytes an unprivileged process may still write on the filesystem holding `dir` (or its
/// nearest existing ancestor).
pub fn available_bytes(dir: &Path) -> Result<u64> {
    let existing = nearest_existing(dir)?;
    statvfs_available(&existing)
}

/// Creates `path` (which must not exist) with `len` bytes of allocated blocks, for reading and
/// writing; on a failed reservation the file is removed again.
pub(crate) fn create_reserved(path: &Path, len: u64) -> Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(SdrError::io("creating", path))?;
    if let Err(e) = reserve(&file, len, path) {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(file)
}

/// Gives `file` (just created, empty) `len` bytes of allocated blocks, so that writing them
/// through a memory map cannot fault for lack of space.
pub(crate) fn reserve(file: &File, len: u64, path: &Path) -> Result<()> {
    match allocate(file, len) {
        Ok(()) => Ok(()),
        Err(e) if is_no_space(&e) => {
            let parent = path.parent().unwrap_or(Path::new("."));
            Err(SdrError::NoSpace {
                path: path.to_path_buf(),
                what: "this file".into(),
                needed: len,
                available: available_bytes(parent).unwrap_or(0),
            })
        }
        Err(e) => Err(SdrError::Io {
            action: "reserving space for",
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn is_no_space(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(libc::ENOSPC)
}

fn nearest_existing(dir: &Path) -> Result<PathBuf> {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(SdrError::io("reading the working directory", "."))?
            .join(dir)
    };
    let mut at = absolute.as_path();
    loop {
        if at.exists() {
            return Ok(at.to_path_buf());
        }
        match at.parent() {
            Some(parent) => at = parent,
            None => return Ok(PathBuf::from("/")),
        }
    }
}

fn device_of(path: &Path) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(path)
        .map_err(SdrError::io("reading metadata of", path))?
        .dev())
}

fn statvfs_available(path: &Path) -> Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| SdrError::Io {
        action: "reading free space of",
        path: path.to_path_buf(),
        source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
    })?;
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` a properly sized buffer that
    // statvfs fills in; nothing is kept after the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(SdrError::io("reading free space of", path)(
            std::io::Error::last_os_error(),
        ));
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(target_os = "linux")]
fn allocate(file: &File, len: u64) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let len = libc::off_t::try_from(len)
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    // SAFETY: the descriptor is open for writing for the duration of the call.
    // posix_fallocate returns the error number instead of setting errno.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
        0 => Ok(()),
        errno => Err(std::io::Error::from_raw_os_error(errno)),
    }
}

/// Without `posix_fallocate`, the blocks are allocated by writing zeros.
#[cfg(not(target_os = "linux"))]
fn allocate(file: &File, len: u64) -> std::io::Result<()> {
    use std::io::Write;
    const CHUNK: usize = 1 << 20;
    let zeros = vec![0u8; CHUNK];
    let mut writer = file;
    let mut left = len;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        writer.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_beyond_the_filesystem_is_refused_with_both_figures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let available = available_bytes(dir.path()).expect("statvfs");
        let needs = [
            SpaceNeed {
                dir: dir.path().join("out"),
                bytes: available / 2 + 1,
                what: "layers".into(),
            },
            SpaceNeed {
                dir: dir.path().join("cache"),
                bytes: available / 2 + 1,
                what: "the parent cache".into(),
            },
        ];
        // Each fits alone; together (same filesystem) they do not.
        assert!(check_free_space(&needs[..1]).is_ok());
        match check_free_space(&needs) {
            Err(SdrError::NoSpace { what, needed, .. }) => {
                assert_eq!(what, "layers and the parent cache");
                assert_eq!(needed, 2 * (available / 2 + 1));
            }
            other => panic!("expected NoSpace, got {other:?}"),
        }
    }

    #[test]
    fn reserve_allocates_the_blocks() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let file = File::create(&path).expect("create");
        reserve(&file, 1 << 20, &path).expect("reserve");
        let meta = std::fs::metadata(&path).expect("metadata");
        assert_eq!(meta.len(), 1 << 20);
        // Allocated, not sparse: 512-byte blocks cover the length.
        assert!(meta.blocks() * 512 >= 1 << 20, "{} blocks", meta.blocks());
    }
}
