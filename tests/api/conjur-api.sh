#!/usr/bin/env bash
# Conjur REST API acceptance script, written from Conjur's public API documentation only
# (https://docs.conjur.org/ -> REST API: Login, Authenticate, Load Policy, Set/Retrieve a Secret,
# Batch Retrieval, WhoAmI). bash + curl + jq; no Conjur SDK.
#
# Usage: conjur-api.sh WRITE_URL [READ_URL ...]
#   WRITE_URL   where writes go (the load balancer, i.e. the master)
#   READ_URL    extra URLs to run the read half against (e.g. a follower); WRITE_URL is always one
# Environment: CONJUR_ACCOUNT, CONJUR_ADMIN_API_KEY (from './cluster account create NAME'); CONJUR_CERT_FILE, the CA
#   to verify HTTPS servers against (as Conjur's CLI names it: 'tls.ca' in './cluster status --json').
# Prints one line per check; exits non-zero at the first failure.
set -euo pipefail

write_url="${1:?usage: conjur-api.sh WRITE_URL [READ_URL ...]}"
shift
read_urls=("$write_url" "$@")
account="${CONJUR_ACCOUNT:?set CONJUR_ACCOUNT}"
admin_key="${CONJUR_ADMIN_API_KEY:?set CONJUR_ADMIN_API_KEY}"
suffix="$(date +%s%N | tail -c 9)"
app="app$suffix"
variable="db$suffix/password"
value="s3cr3t-$suffix-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }
urlencode() { jq -rn --arg v "$1" '$v|@uri'; }

# curl wrapper: prints the body to the file given, returns the HTTP status on stdout.
# With CONJUR_CERT_FILE curl trusts that CA alone (--cacert), not the host's store.
tls=(); [ -n "${CONJUR_CERT_FILE:-}" ] && tls=(--cacert "$CONJUR_CERT_FILE")
call() { local out="$1"; shift; curl -sS --max-time 30 "${tls[@]}" -o "$out" -w '%{http_code}' "$@"; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# 1. Login (GET /authn/{account}/login, HTTP Basic): answers the API key.
status=$(call "$tmp/login" -u "admin:$admin_key" "$write_url/authn/$account/login")
[ "$status" = 200 ] || fail "login: status $status"
[ "$(cat "$tmp/login")" = "$admin_key" ] || fail "login: the body is not the API key"
pass "login as admin"

# 2. Authenticate (POST /authn/{account}/{login}/authenticate, body = API key, Accept-Encoding: base64).
authenticate() { # URL LOGIN API_KEY -> prints the base64 token
  local s; s=$(call "$tmp/token" -H 'Accept-Encoding: base64' --data-binary "$3" "$1/authn/$account/$(urlencode "$2")/authenticate")
  [ "$s" = 200 ] || fail "authenticate $2 at $1: status $s"
  cat "$tmp/token"
}
admin_token=$(authenticate "$write_url" admin "$admin_key")
# The decoded token is Conjur's JSON (protected, payload, signature).
echo "$admin_token" | base64 -d | jq -e 'has("protected") and has("payload") and has("signature")' >/dev/null || fail "token shape"
pass "authenticate admin (token: protected/payload/signature)"

# 3. Load a policy (POST /policies/{account}/policy/root): a host, a variable it may execute, a host that may not.
cat > "$tmp/policy.yml" <<YAML
- !host $app
- !host other$suffix
- !variable $variable
- !permit
  role: !host $app
  privileges: [ read, execute ]
  resource: !variable $variable
YAML
status=$(call "$tmp/load" -X POST -H "Authorization: Token token=\"$admin_token\"" --data-binary @"$tmp/policy.yml" "$write_url/policies/$account/policy/root")
[ "$status" = 201 ] || fail "load policy: status $status $(cat "$tmp/load")"
host_key=$(jq -er --arg id "$account:host:$app" '.created_roles[$id].api_key' "$tmp/load") || fail "load policy: no API key for host $app"
other_key=$(jq -er --arg id "$account:host:other$suffix" '.created_roles[$id].api_key' "$tmp/load")
jq -e '.version >= 1' "$tmp/load" >/dev/null || fail "load policy: no version"
pass "load policy (created_roles with api_key, version)"

# 4. Set the variable as admin (POST /secrets/{account}/variable/{id}).
status=$(call "$tmp/set" -X POST -H "Authorization: Token token=\"$admin_token\"" --data-binary "$value" "$write_url/secrets/$account/variable/$(urlencode "$variable")")
[ "$status" = 201 ] || fail "set variable: status $status"
pass "set the variable as admin"

# 5. The read half, against every read URL: authenticate as the host, fetch, batch fetch, whoami.
for url in "${read_urls[@]}"; do
  host_token=$(authenticate "$url" "host/$app" "$host_key")
  auth="Authorization: Token token=\"$host_token\""
  # A follower serves its replica: allow the write a few seconds to arrive.
  for _ in $(seq 1 50); do
    status=$(call "$tmp/value" -H "$auth" "$url/secrets/$account/variable/$(urlencode "$variable")")
    [ "$status" = 200 ] && break
    sleep 0.2
  done
  [ "$status" = 200 ] || fail "fetch at $url: status $status"
  [ "$(cat "$tmp/value")" = "$value" ] || fail "fetch at $url: wrong value"
  pass "fetch as host/$app at $url"

  status=$(call "$tmp/batch" -H "$auth" "$url/secrets?variable_ids=$(urlencode "$account:variable:$variable")")
  [ "$status" = 200 ] || fail "batch fetch at $url: status $status"
  [ "$(jq -r --arg id "$account:variable:$variable" '.[$id]' "$tmp/batch")" = "$value" ] || fail "batch fetch at $url: wrong value"
  pass "batch fetch at $url"

  status=$(call "$tmp/whoami" -H "$auth" "$url/whoami")
  [ "$status" = 200 ] || fail "whoami at $url: status $status"
  [ "$(jq -r '.username' "$tmp/whoami")" = "host/$app" ] && [ "$(jq -r '.account' "$tmp/whoami")" = "$account" ] || fail "whoami at $url: $(cat "$tmp/whoami")"
  pass "whoami at $url"

  # A host without execute on the variable: 404 (it may not even see it).
  other_token=$(authenticate "$url" "host/other$suffix" "$other_key")
  status=$(call "$tmp/denied" -H "Authorization: Token token=\"$other_token\"" "$url/secrets/$account/variable/$(urlencode "$variable")")
  [ "$status" = 404 ] || fail "fetch without execute at $url: status $status (expected 404)"
  grep -q "$value" "$tmp/denied" && fail "the refusal carries the value"
  pass "host without execute gets 404 at $url"

  # A bad token: 401.
  status=$(call "$tmp/bad" -H 'Authorization: Token token="bm90IGEgdG9rZW4="' "$url/secrets/$account/variable/$(urlencode "$variable")")
  [ "$status" = 401 ] || fail "bad token at $url: status $status (expected 401)"
  pass "bad token gets 401 at $url"
done

# 6. A malformed policy: 422 with Conjur's error shape, naming the line.
printf -- '- !host ok%s\n- !hots typo\n' "$suffix" > "$tmp/bad.yml"
status=$(call "$tmp/bad-load" -X POST -H "Authorization: Token token=\"$admin_token\"" --data-binary @"$tmp/bad.yml" "$write_url/policies/$account/policy/root")
[ "$status" = 422 ] || fail "malformed policy: status $status (expected 422)"
jq -e '.error.code and (.error.message | test("line 2"))' "$tmp/bad-load" >/dev/null || fail "malformed policy: $(cat "$tmp/bad-load")"
pass "malformed policy gets 422 naming line 2"

echo "PASS: Conjur API script against $write_url${*:+ and $*}"
