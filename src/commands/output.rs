//! Every file a command writes (reports, snapshots, `--write-fixes` files and
//! `apply.sh`) goes through here, so that one rule decides how: a regular file
//! (or a new one) is replaced atomically from an unpredictable temporary name
//! created exclusively beside it; anything else the path reaches — a device, a
//! FIFO, `/dev/stdout`, a process substitution — is written through, and a
//! symlink is followed to what it points at rather than replaced.

use crate::error::Fatal;
use std::io::Write;
use std::path::{Path, PathBuf};

/// At most this many symlinks are followed (as the kernel's own limit).
const MAX_LINKS: usize = 40;

/// An output being written: committed with [`Output::commit`]; dropped without
/// it, a replacement leaves neither a temporary file nor a changed target.
pub(crate) struct Output {
    /// The path as the user gave it: what errors name.
    path: PathBuf,
    how: How,
}

enum How {
    /// A regular file, or a new one: written under a temporary name in the same
    /// directory, then renamed over `target` (the symlinks resolved).
    Replace {
        target: PathBuf,
        tmp: std::io::BufWriter<tempfile::NamedTempFile>,
    },
    /// A device, FIFO, socket or descriptor: written as it is.
    Through(std::io::BufWriter<std::fs::File>),
}

/// How a new or replaced file's permissions are set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A replaced file keeps its permissions; a new one gets the umask's.
    Keep,
    /// `apply.sh`: executable (0755) whatever it was.
    Executable,
}

/// Where writing `path` lands: the path with its symlinks resolved, and whether
/// that is a file to replace (`true`) or something to write through (`false`).
fn resolve(path: &Path) -> std::io::Result<(PathBuf, bool)> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        // A descriptor (`/dev/stdout`, `/dev/fd/N`, `>(…)`) is written through,
        // whatever it is open on: an `>>` redirect must be appended to, and a
        // pipe's "target" is no path at all.
        if at.starts_with("/proc") || at.starts_with("/dev/fd") {
            return Ok((at, false));
        }
        match std::fs::symlink_metadata(&at) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((at, true)),
            Err(e) => return Err(e),
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&at)?;
                let base = at.parent().unwrap_or(Path::new("/")).to_path_buf();
                at = base.join(link);
            }
            Ok(meta) => return Ok((at, meta.is_file())),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symlinks to follow"
    )))
}

impl Output {
    /// Open `path` for writing as the rule above says.
    pub(crate) fn open(path: &Path, mode: Mode) -> Result<Output, Fatal> {
        let fail = |e| Fatal::io(path, e);
        let (target, replace) = resolve(path).map_err(fail)?;
        let how = if replace {
            let dir = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            // A random name, created O_CREAT|O_EXCL (a planted link is never
            // followed), 0666 under the umask as a new file would be.
            let tmp = temporary_in(dir, &name).map_err(fail)?;
            // Set before anything is written: the text is never more readable
            // than the file it replaces.
            if let Some(mode) = wanted_mode(&target, mode) {
                set_mode(tmp.path(), mode).map_err(fail)?;
            }
            How::Replace {
                target,
                tmp: std::io::BufWriter::new(tmp),
            }
        } else {
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(&target)
                .map_err(fail)?;
            How::Through(std::io::BufWriter::new(file))
        };
        Ok(Output {
            path: path.to_path_buf(),
            how,
        })
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), Fatal> {
        let result = match &mut self.how {
            How::Replace { tmp, .. } => tmp.write_all(bytes),
            How::Through(file) => file.write_all(bytes),
        };
        result.map_err(|e| Fatal::io(&self.path, e))
    }

    /// Everything written and flushed to disk, in a temporary file still: what
    /// [`Output::commit`] then puts in place cannot fail for lack of space.
    pub(crate) fn stage(mut self) -> Result<Staged, Fatal> {
        let fail = |e| Fatal::io(&self.path, e);
        let staged = match self.how {
            How::Replace { target, tmp } => {
                let tmp = tmp.into_inner().map_err(|e| fail(e.into_error()))?;
                tmp.as_file().sync_all().map_err(fail)?;
                StagedHow::Replace { target, tmp }
            }
            How::Through(ref mut file) => {
                file.flush().map_err(fail)?;
                StagedHow::Done
            }
        };
        Ok(Staged {
            path: self.path,
            how: staged,
        })
    }

    /// Finish: rename the temporary file over the target, or flush.
    pub(crate) fn commit(self) -> Result<(), Fatal> {
        self.stage()?.commit()
    }
}

/// An output written in full, not yet in place.
pub(crate) struct Staged {
    path: PathBuf,
    how: StagedHow,
}

enum StagedHow {
    Replace {
        target: PathBuf,
        tmp: tempfile::NamedTempFile,
    },
    Done,
}

impl Staged {
    pub(crate) fn commit(self) -> Result<(), Fatal> {
        match self.how {
            // On failure the temporary file is removed as it drops.
            StagedHow::Replace { target, tmp } => tmp
                .persist(&target)
                .map(drop)
                .map_err(|e| Fatal::io(&self.path, e.error)),
            StagedHow::Done => Ok(()),
        }
    }

    /// The path as the user gave it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Write `text` to `path` as [`Output`] says: a failed run never leaves half a
/// report where a previous good one was, and never replaces what is not a file.
pub(crate) fn write(path: &Path, text: &str, mode: Mode) -> Result<(), Fatal> {
    let mut out = Output::open(path, mode)?;
    out.write(text.as_bytes())?;
    out.commit()
}

/// The permissions the file at `target` is to have once replaced: its own when
/// it exists (`None`: a new file keeps what it was created with).
#[cfg(unix)]
fn wanted_mode(target: &Path, mode: Mode) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    if mode == Mode::Executable {
        return Some(0o755);
    }
    let meta = std::fs::metadata(target).ok()?;
    Some(meta.permissions().mode() & 0o7777)
}

fn temporary_in(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // tempfile's error names its own temporary path; the caller names the file
    // the user asked for, so keep only what went wrong.
    builder.tempfile_in(dir).map_err(|e| {
        e.raw_os_error()
            .map_or_else(|| e.kind().into(), std::io::Error::from_raw_os_error)
    })
}

#[cfg(not(unix))]
fn wanted_mode(_: &Path, _: Mode) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}
