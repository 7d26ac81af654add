#!/usr/bin/env bash
# The test suite's one entry point (README: "Two commands"; `.ci/run` calls it too).
#
# 1. Installs the system packages the tests use, where it can: as root, or with password-less
#    sudo. Where it cannot, it names what is missing and the command that installs it, and
#    stops (exit 3): a test never skips because a tool is absent.
# 2. Runs the whole workspace's tests: `cargo test --workspace --locked --no-fail-fast`.
#    Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p roster-core`);
#    `scripts/test.sh --install` only does step 1.
# 3. With no arguments, runs the README's quickstart in a temporary folder: exit 0, and its
#    second plan is empty for both D118 jobs.
#
# What the tests need, and why:
#   build-essential pkg-config libssl-dev  C parts of libssh2/openssl-sys and bundled SQLite
#   ca-certificates                        TLS roots for the HTTP clients
#   openssh-server openssh-client          a real sshd on 127.0.0.1 receives the SFTP uploads
#   python3 python3-venv                   a venv (target/py-venv, or $ROSTER_PY_VENV) with
#                                          Google's own Python client (google-api-python-client,
#                                          google-auth from PyPI) drives the Directory emulator
#                                          (roster-google-emulator/tests/python_interop.rs),
#                                          and aiosmtpd, the real SMTP server the notification
#                                          tests send to (districts/d118-students/tests/notify.rs)
#   openssl                                makes the CA and certificate of that server's STARTTLS
#   gcc-mingw-w64-x86-64                   links the Windows build of the district binaries
#                                          (.ci/release; rustup's x86_64-pc-windows-gnu target)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config libssl-dev ca-certificates openssh-server openssh-client
  python3 python3-venv openssl gcc-mingw-w64-x86-64)

missing=()
installed() {
  # "install ok installed" only: a removed package keeps "deinstall ok config-files".
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}
for pkg in "${packages[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: missing ${missing[*]}, and this is not a Debian/Ubuntu machine:" >&2
    echo "install the equivalents with your package manager, then run this script again." >&2
    exit 3
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "scripts/test.sh: the tests need these packages: ${missing[*]}" >&2
    echo "install them, then run this script again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null 2>&1 || {
  echo "scripts/test.sh: cargo is missing: install Rust with rustup (https://rustup.rs)" >&2
  exit 3
}

venv="${ROSTER_PY_VENV:-target/py-venv}"
if ! "$venv/bin/python" -c "import googleapiclient.discovery, google.oauth2.service_account, aiosmtpd" \
    >/dev/null 2>&1; then
  echo "== python venv for the emulator's interop test and the SMTP server: $venv"
  python3 -m venv "$venv"
  # `python -m pip`: a venv copied from elsewhere keeps pip scripts that point at the original.
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "google-api-python-client>=2,<3" "google-auth>=2,<3" "aiosmtpd>=1.4,<2"
fi

[ "${1:-}" = "--install" ] && exit 0

echo "== cargo test --workspace"
[ $# -gt 0 ] && exec cargo test --workspace --locked --no-fail-fast "$@"
cargo test --workspace --locked --no-fail-fast

# The README's first command, on a fresh demo: it must exit 0 and its second run must plan
# nothing (the debug build the tests just made; the README runs it with --release).
echo "== quickstart (README): exit 0, then an empty second plan"
repo=$(pwd)
qs=$(mktemp -d)
if ! (cd "$qs" && cargo run -q --locked --manifest-path "$repo/Cargo.toml" \
    --example quickstart >stdout 2>stderr); then
  tail -n 20 "$qs/stderr" "$qs/stdout" >&2
  echo "scripts/test.sh: the quickstart failed (output above, files in $qs)" >&2
  exit 1
fi
for job in d118-students d118-staff; do
  grep -q "^$job: 0 changes" "$qs/stdout" || {
    cat "$qs/stdout" >&2
    echo "scripts/test.sh: the quickstart's second $job plan is not empty" >&2
    exit 1
  }
done
rm -rf "$qs"
echo "quickstart: ok"
