#!/usr/bin/env bash
# Run every test, with the AWS emulator moto started for the live tests:
# installs moto[server] and the AWS CLI (which the fix round trips run apply.sh
# with) into a venv under target/, starts moto on 127.0.0.1, waits for it, runs
# `cargo test` with MOTO_ENDPOINT set, and stops it on exit. `bench ARGS…` runs
# `cargo bench ARGS…` instead (the live figures of `--bench fleet`);
# `--install-only` installs the venv and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="target/moto-venv"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5' 'awscli==1.45.11'
fi
if [ "${1:-}" = --install-only ]; then
  exit 0
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT

endpoint="http://127.0.0.1:$port"
python3 - "$endpoint" <<'PY'
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.5)
sys.exit("moto did not start; see target/moto.log")
PY

export MOTO_ENDPOINT="$endpoint" ATHENA_DOCTOR_REQUIRE_MOTO=1 ATHENA_DOCTOR_AWS_CLI="$PWD/$venv/bin/aws"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL
# The integration tests mostly wait: on the doctor's processes, on moto, on
# sockets that time out on purpose. Four at a time on two cores (not cargo's
# one a core) keeps the cores busy while they wait; RUST_TEST_THREADS set by
# the caller wins.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
if [ "${1:-}" = bench ]; then
  shift
  cargo bench --locked "$@"
else
  cargo test --locked "$@"
fi
