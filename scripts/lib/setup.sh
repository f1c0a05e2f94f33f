# Shared by scripts/test and scripts/demo: installs what the build needs when it is missing.
# Sourced, not run.

revisit_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

revisit_install_packages() {
    local missing=()
    pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev)
    [ -e /usr/include/mimalloc.h ] || missing+=(libmimalloc-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    command -v kcat >/dev/null 2>&1 || missing+=(kcat)
    [ ${#missing[@]} -eq 0 ] || revisit_apt_install "${missing[@]}"
}

# noida-db: a second Kafka implementation the tests run as a child process (pinned).
revisit_noida_version="0.2.3"

revisit_install_noida() {
    revisit_pip_install noida_db noida-db "$revisit_noida_version"
}

# prometheus_client: its text-format parser reads the /metrics of `revisit run --http` in
# the tests (pinned).
revisit_prometheus_client_version="0.21.1"

revisit_install_prometheus_client() {
    revisit_pip_install prometheus_client prometheus_client "$revisit_prometheus_client_version"
}

# pip install of PACKAGE==VERSION unless python3 can import MODULE.
revisit_pip_install() {
    local module="$1" package="$2" version="$3"
    if python3 -c "import $module" >/dev/null 2>&1; then
        return 0
    fi
    echo "Installing $package $version with pip ..."
    python3 -m pip install -q --disable-pip-version-check "$package==$version"
}

revisit_check_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            echo "Swift 6 is required (swift not found on PATH)." >&2
            exit 1
        fi
    fi
}

# Chart.js 3.9.1 from Debian (libjs-chart.js): `revisit serve` serves it to its dashboard
# from /usr/share/javascript, so the page needs no CDN.
revisit_install_chart_js() {
    [ -e /usr/share/javascript/chart.js/chart.min.js ] || revisit_apt_install libjs-chart.js
}

# Headless Chromium for the dashboard's tests, and a font with Chinese glyphs for its
# screenshot.
revisit_install_browser() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    fc-list ':lang=zh' 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
    [ ${#missing[@]} -eq 0 ] || revisit_apt_install "${missing[@]}"
}

# apt-get install of the packages named, with sudo unless root.
revisit_apt_install() {
    echo "Installing $* ..."
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$@" >/dev/null
}
