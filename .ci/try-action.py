"""Run action.yml's own scripts against the archive `dist build` made: serve
target/distrib on 127.0.0.1 as the release page would, then run the steps
"Download and verify", "Put it on PATH" and "Run athena-doctor doctor" with bash,
the environment GitHub would give them, and check what they did: the binary is
found and run on the shipped example (exit 1: it has findings; SARIF written),
and an archive whose SHA-256 does not match is refused.

    python .ci/try-action.py x86_64-unknown-linux-gnu      (PyYAML installed)
"""
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def steps():
    with open("action.yml", encoding="utf-8") as f:
        return {s.get("name"): s["run"] for s in yaml.safe_load(f)["runs"]["steps"] if "run" in s}


def run(script, env):
    return subprocess.run(["bash", "-c", script], env={**os.environ, **env}, capture_output=True, text=True)


def outputs(path):
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def main(target):
    served = tempfile.mkdtemp()
    archive = f"athena-doctor-{target}.tar.xz"
    for name in (archive, archive + ".sha256"):
        shutil.copy(os.path.join("target/distrib", name), served)
    # A second release whose checksum file does not match its archive.
    os.makedirs(os.path.join(served, "tampered"))
    shutil.copy(os.path.join(served, archive), os.path.join(served, "tampered", archive))
    with open(os.path.join(served, "tampered", archive + ".sha256"), "w") as f:
        f.write("0" * 64 + "  " + archive + "\n")
    handler = functools.partial(QuietHandler, directory=served)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    s = steps()
    work = tempfile.mkdtemp()
    github_path, github_output = os.path.join(work, "path"), os.path.join(work, "output")
    open(github_path, "w").close()
    open(github_output, "w").close()
    failures = []

    got = run(s["Download and verify"], {"URL": f"{base}/{archive}", "ARCHIVE": archive, "DIR": os.path.join(work, "tool")})
    if got.returncode != 0:
        failures.append(f"download and verify failed: {got.stdout}{got.stderr}")
    got = run(s["Put it on PATH"], {"DIR": os.path.join(work, "tool"), "GITHUB_PATH": github_path})
    with open(github_path, encoding="utf-8") as f:
        added = f.read().strip()
    if got.returncode != 0 or not os.path.isfile(os.path.join(added, "athena-doctor")):
        failures.append(f"the binary is not on the PATH it set ({added!r}): {got.stderr}")
    sarif = os.path.join(work, "report.sarif")
    got = run(
        s["Run athena-doctor doctor"],
        {
            "PATH": added + os.pathsep + os.environ["PATH"],
            "ARGS": "--offline --config fixtures/examples/acme.toml --trust-policy fixtures/examples/acme-trust.json "
            "--policy fixtures/examples/acme-policy.json",
            "FORMAT": "github",
            "SARIF": sarif,
            "GITHUB_OUTPUT": github_output,
            "GITHUB_STEP_SUMMARY": os.path.join(work, "summary.md"),
        },
    )
    out = outputs(github_output)
    if got.returncode != 1 or out.get("exit-code") != "1" or out.get("sarif") != sarif or not os.path.getsize(sarif):
        failures.append(f"run: exit {got.returncode}, outputs {out}: {got.stderr}")
    if "::error file=" not in got.stdout:
        failures.append("run: no GitHub annotation printed")

    got = run(
        s["Download and verify"],
        {"URL": f"{base}/tampered/{archive}", "ARCHIVE": archive, "DIR": os.path.join(work, "tampered")},
    )
    if got.returncode == 0 or "SHA-256" not in got.stdout:
        failures.append(f"a tampered archive was accepted: {got.stdout}")

    server.shutdown()
    for failure in failures:
        print(failure)
    print(f"try-action: {target}: {4 - len(failures)} of 4 checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
