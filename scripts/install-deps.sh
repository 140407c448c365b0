#!/usr/bin/env bash
# Installs the Debian packages the cluster runs on (etcd, HAProxy, RabbitMQ, PostgreSQL 15, setpriv)
# and the headless chromium the dashboard's browser test drives,
# only those missing. No systemd here: package scripts must not leave services running, since the
# cluster starts its own instances on its own ports.
set -euo pipefail

declare -A package_for=(
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  [haproxy]=haproxy
  [rabbitmq-server]=rabbitmq-server
  [/usr/lib/postgresql/15/bin/postgres]=postgresql-15
  [setpriv]=util-linux
  [jq]=jq
  [curl]=curl
  [chromium]=chromium
)

missing=()
for cmd in etcd etcdctl haproxy rabbitmq-server /usr/lib/postgresql/15/bin/postgres setpriv jq curl chromium; do
  # rabbitmq-server and haproxy live in /usr/sbin, which a non-root PATH may lack.
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1; then
    missing+=("${package_for[$cmd]}")
  fi
done
# CyberArk's Python SDK, which one test runs when CONJUR_PYTHON_SDK names a checkout of it, runs on Debian's Python.
if [ -n "${CONJUR_PYTHON_SDK:-}" ]; then
  for module in aiohttp:python3-aiohttp keyring:python3-keyring cryptography:python3-cryptography OpenSSL:python3-openssl yaml:python3-yaml urllib3:python3-urllib3; do
    [ -d "/usr/lib/python3/dist-packages/${module%%:*}" ] || missing+=("${module#*:}")
  done
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
# policy-rc.d answering 101 forbids every service start from the packages' postinst scripts.
policy=/usr/sbin/policy-rc.d
saved_policy=""
if [ -e "$policy" ]; then
  saved_policy="$(mktemp)"
  cp -p "$policy" "$saved_policy"
fi
restore_policy() {
  if [ -n "$saved_policy" ]; then mv -f "$saved_policy" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

# Daemons the packages may start anyway (postinst scripts that bypass invoke-rc.d, epmd from
# rabbitmq's user setup) are told apart from what ran before by PID.
before="$(ps -eo pid= | tr -d ' ' | sort)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
after="$(ps -eo pid=,comm= | awk '{print $1" "$2}')"
while read -r pid comm; do
  case "$comm" in
    etcd|haproxy|epmd|beam.smp|postgres|rabbitmq-server)
      if ! grep -qx "$pid" <<<"$before"; then
        echo "install-deps: stopping $comm (pid $pid) started by the package install"
        kill "$pid" 2>/dev/null || true
      fi
      ;;
  esac
done <<<"$after"
echo "install-deps: installed ${missing[*]}"
