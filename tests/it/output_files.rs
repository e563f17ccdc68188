//! Output files against hostile targets: a report written to a FIFO, through a
//! symlink, to a descriptor (`/dev/fd/1`, `/proc/self/fd/1`, bash's `>(…)`) is
//! written through, never replaced; a regular file is replaced from a temporary
//! name nobody can predict or plant; `--write-fixes` refuses names that collide
//! and never leaves half a bundle or a temporary file behind.
//!
//! Never against the machine's real devices: FIFOs and symlinks are made in a
//! temporary directory, descriptors are this test's pipes.
#![cfg(unix)]

use crate::common;

use common::{doctor, root};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn vpce_dir() -> PathBuf {
    root().join("fixtures/scenarios/bucket-policy-denies-outside-vpce")
}

/// The scenario's doctor (exit 1: it has an error), reporting JSON to `out`.
fn vpce_to(out: &Path) -> assert_cmd::Command {
    let mut cmd = doctor();
    cmd.current_dir(vpce_dir())
        .args(["doctor", "--offline", "--config", "connection.toml"])
        .args(["--policy", "policy.json", "--bucket-policy", "bucket-policy.json"])
        .args(["--format", "json", "--output"])
        .arg(out)
        .timeout(Duration::from_secs(60));
    cmd
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Read a FIFO to its end on a thread (opening it blocks until a writer comes).
fn drain(fifo: &Path) -> std::thread::JoinHandle<String> {
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(&fifo)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    })
}

fn is_report(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v["checks"].is_array())
}

/// No file of the directory is a temporary one left behind.
fn no_temporaries(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn a_fifo_and_a_symlink_to_one_are_written_through_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("report.fifo");
    mkfifo(&fifo);
    let link = tmp.path().join("report.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for target in [&fifo, &link] {
        let reader = drain(&fifo);
        let out = vpce_to(target).output().unwrap();
        // Checked before joining: a replaced FIFO would leave the reader waiting.
        assert!(
            std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
            "{} replaced the FIFO: {}",
            target.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(is_report(&reader.join().unwrap()));
    }
    no_temporaries(tmp.path());
}

#[test]
fn a_symlink_to_a_file_stays_a_link_and_its_file_gets_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("reports");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("latest.json");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    // Relative, as links usually are; and a link to a file not yet made.
    let link = tmp.path().join("report.json");
    std::os::unix::fs::symlink("reports/latest.json", &link).unwrap();
    let dangling = tmp.path().join("new.json");
    std::os::unix::fs::symlink("reports/new.json", &dangling).unwrap();
    vpce_to(&link).assert().code(1);
    vpce_to(&dangling).assert().code(1);
    for (l, file) in [(&link, &target), (&dangling, &real.join("new.json"))] {
        assert!(
            std::fs::symlink_metadata(l).unwrap().file_type().is_symlink(),
            "{}",
            l.display()
        );
        assert!(
            is_report(&std::fs::read_to_string(file).unwrap()),
            "{}",
            file.display()
        );
    }
    // The file replaced keeps its permissions.
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    no_temporaries(tmp.path());
    no_temporaries(&real);
}

#[test]
fn descriptors_are_written_through() {
    // The test's stdout pipe: neither path can be renamed over, so the old
    // rename failed (exit 2) instead of writing.
    for path in ["/dev/fd/1", "/proc/self/fd/1"] {
        let out = vpce_to(Path::new(path)).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(is_report(&String::from_utf8_lossy(&out.stdout)), "{path}");
    }
    // bash's process substitution, as people write it.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy.json");
    let script = format!(
        "cd '{}' && '{}' doctor --offline --config connection.toml --policy policy.json \
         --bucket-policy bucket-policy.json --format json -o >(cat > '{}'); code=$?; wait; exit $code",
        vpce_dir().display(),
        env!("CARGO_BIN_EXE_athena-doctor"),
        copy.display()
    );
    let status = std::process::Command::new("bash")
        .args(["-c", &script])
        .env_remove(common::SECRET_ENV)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    // `wait` does not wait for a process substitution in every bash: poll.
    for _ in 0..100 {
        if is_report(&std::fs::read_to_string(&copy).unwrap_or_default()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the process substitution never got the report");
}

/// The old temporary name was `.NAME.PID.tmp`, opened following symlinks: a link
/// planted there made the run write the report over any file. The run is held
/// on its connection file (a FIFO) until the link is planted under its PID.
#[test]
fn a_link_planted_at_the_old_temporary_name_redirects_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let config = tmp.path().join("connection.fifo");
    mkfifo(&config);
    let out = tmp.path().join("r.json");
    // The connection waits in the FIFO, written by a handle that is reader and
    // writer both (opening it so does not wait): the doctor, whenever it opens
    // the FIFO, finds a writer and the bytes, and reads on until that handle is
    // closed (end of file). Writing only after the spawn raced the doctor: under
    // load it opened the FIFO first, found no writer, and exited, and the write
    // then waited forever for a reader.
    let mut writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&config)
        .unwrap();
    writer
        .write_all(&std::fs::read(vpce_dir().join("connection.toml")).unwrap())
        .unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_athena-doctor"))
        .current_dir(vpce_dir())
        .env_remove(common::SECRET_ENV)
        .args(["doctor", "--offline", "--config"])
        .arg(&config)
        .args(["--policy", "policy.json", "--bucket-policy", "bucket-policy.json"])
        .args(["--format", "json", "--output"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let planted = tmp.path().join(format!(".r.json.{}.tmp", child.id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    // Now let it finish reading its connection: once it holds the FIFO open
    // (closing the only writer before that would drop the bytes with it).
    wait_until_open(child.id(), &config);
    drop(writer);
    let done = child.wait_with_output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_file());
    assert!(is_report(&std::fs::read_to_string(&out).unwrap()));
    // The planted link is left alone (it is not ours).
    assert!(
        std::fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Wait (up to a minute) until process `pid` has `path` open, read from
/// /proc/PID/fd; where there is no /proc, a second.
fn wait_until_open(pid: u32, path: &Path) {
    let fds = PathBuf::from(format!("/proc/{pid}/fd"));
    if !Path::new("/proc/self/fd").exists() {
        std::thread::sleep(std::time::Duration::from_secs(1));
        return;
    }
    let want = std::fs::canonicalize(path).unwrap();
    for _ in 0..6000 {
        let open = std::fs::read_dir(&fds)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == want));
        if open {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the doctor never opened {}", path.display());
}

/// The acme example in `dir` (its fixes: a trust policy, the connection, apply.sh).
fn acme_in(dir: &Path, connection_name: &str) {
    std::fs::copy(
        root().join("fixtures/examples/acme.toml"),
        dir.join(connection_name),
    )
    .unwrap();
    for name in ["acme-trust.json", "acme-policy.json"] {
        std::fs::copy(root().join("fixtures/examples").join(name), dir.join(name)).unwrap();
    }
}

fn acme_fixes(dir: &Path, connection_name: &str) -> assert_cmd::Command {
    let mut cmd = doctor();
    cmd.current_dir(dir)
        .args(["doctor", "--offline", "--config", connection_name])
        .args([
            "--trust-policy",
            "acme-trust.json",
            "--policy",
            "acme-policy.json",
        ])
        .args(["--format", "json", "--write-fixes", "out"]);
    cmd
}

#[test]
fn a_connection_named_like_the_script_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    acme_in(tmp.path(), "apply.sh");
    let out = acme_fixes(tmp.path(), "apply.sh").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("two files named apply.sh"), "{stderr}");
    assert!(!tmp.path().join("out").exists(), "nothing is written");
}

#[test]
fn the_bundle_never_overwrites_a_terraform_plan_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/iac/terraform");
    std::fs::copy(src.join("connection.toml"), tmp.path().join("connection.toml")).unwrap();
    // The plan sits where the corrected connection would be written.
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    let plan = tmp.path().join("out/connection.toml");
    std::fs::copy(src.join("plan.json"), &plan).unwrap();
    let before = std::fs::read(&plan).unwrap();
    let out = doctor()
        .current_dir(tmp.path())
        .args(["doctor", "--offline", "--config", "connection.toml"])
        .args(["--terraform-plan", "out/connection.toml", "--write-fixes", "out"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("would overwrite the input"), "{stderr}");
    assert_eq!(std::fs::read(&plan).unwrap(), before);
}

/// A write that fails mid-bundle (a file-size limit: EFBIG, which stops root as
/// it stops anyone) leaves no file of the bundle, no temporary file, and says so.
#[test]
fn a_failed_write_leaves_no_half_bundle_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    acme_in(tmp.path(), "acme.toml");
    // 1 KiB: the corrected connection fits, apply.sh and the policy do not.
    let script = format!(
        "trap '' XFSZ; ulimit -f 1; exec '{}' doctor --offline --config acme.toml \
         --trust-policy acme-trust.json --policy acme-policy.json --format json --write-fixes out",
        env!("CARGO_BIN_EXE_athena-doctor")
    );
    let out = std::process::Command::new("bash")
        .current_dir(tmp.path())
        .args(["-c", &script])
        .env_remove(common::SECRET_ENV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("wrote none of its"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // Without the limit the same run writes the whole bundle, the script executable.
    acme_fixes(tmp.path(), "acme.toml").assert().code(1);
    let script = tmp.path().join("out/apply.sh");
    assert_eq!(
        std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert!(tmp.path().join("out/acme.toml").is_file());
    no_temporaries(&tmp.path().join("out"));
}
