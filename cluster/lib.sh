# Shared by the cluster/ scripts: paths, the one build configuration, and helpers. Source it, don't run it.
set -euo pipefail
SPD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One configuration for the binary and the tests, so `cluster/test` reuses what `cluster/setup` built.
SPD_BUILD_FLAGS=(-c release -Xswiftc -enable-testing)
SPD_BIN="${SPD_BIN:-$SPD_ROOT/.build/release/spd}"  # SPD_BIN chooses another build
# In a deployment tarball (cluster/package) the binary is bin/spd beside cluster/.
if [ ! -d "$SPD_ROOT/Sources" ] && [ -x "$SPD_ROOT/bin/spd" ]; then SPD_BIN="$SPD_ROOT/bin/spd"; fi
# Debian packages the project needs: MPI, BLAS, zstd; oneDNN (bf16 GEMMs); JPEG/PNG codecs and zlib (gzip'd IDX files); SQLite's headers
# (GRDB, the coordinator's run queue); the real Fashion-MNIST data for the built-in datasets; the zstd and tar tools
# the shard tests compare against; python3 with venv for the pycocotools comparison; iproute2 for the multi-host test.
SPD_APT_PACKAGES=(libopenmpi-dev openmpi-bin libopenblas-dev libdnnl-dev libzstd-dev zstd tar libturbojpeg0-dev libpng-dev zlib1g-dev
                  libsqlite3-dev dataset-fashion-mnist python3 python3-venv iproute2 librsvg2-bin)

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH="$PATH:/opt/swift/usr/bin"; fi

log() { printf '[spd %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'spd: error: %s\n' "$*" >&2; exit 1; }

# The test scripts' counters and closing line ("N passed, N failed"; its status says whether all passed).
passed=0 failed=0
pass() { log "PASS: $*"; passed=$((passed + 1)); }
fail() { log "FAIL: $*"; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

# Installs the Debian packages that are missing (apt-get update first, once, only when something is missing).
install_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# The Python test environment .build/pyenv, from the pinned cluster/requirements-test.txt (pycocotools, NumPy, Pillow, tensorboard,
# PyTorch's CPU build and safetensors), which the comparison tests use. Remade when the requirements change. Without it
# those tests skip with a message; under CI=true they fail, so CI stops here instead.
prepare_python_test_environment() {
    local venv="$SPD_ROOT/.build/pyenv" requirements="$SPD_ROOT/cluster/requirements-test.txt"
    if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements-test.txt"; then return 0; fi
    log "creating $venv from cluster/requirements-test.txt"
    rm -rf "$venv"
    if python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; then
        cp "$requirements" "$venv/requirements-test.txt"
    elif [ "${CI:-}" = true ]; then
        die "could not install cluster/requirements-test.txt into $venv"
    else
        log "the Python test environment could not be made: the comparison tests will skip"
    fi
}

# OpenBLAS's best core for this CPU, exported for the processes that do not start through spd (the XCTest runner,
# Python): spd selects it for itself at start (`spd system`). An OPENBLAS_CORETYPE set by the caller is kept.
select_blas_core() {
    if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
        OPENBLAS_CORETYPE=$("$SPD_BIN" system --blas-core) || die "spd system --blas-core failed"
        export OPENBLAS_CORETYPE
    fi
    log "$("$SPD_BIN" system)"
}

# mpirun options for RANKS ranks on this machine, one per line. spd builds every mpirun command line of the project
# (`spd mpirun-options --help`): shared memory, one rank per core (unbound when the ranks outnumber the cores), one
# OpenBLAS thread per rank, root allowed.
local_mpirun_options() {
    "$SPD_BIN" mpirun-options --ranks "$1"
}
