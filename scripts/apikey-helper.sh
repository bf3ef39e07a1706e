#!/usr/bin/env bash
# apiKeyHelper for Claude Code (and any tool that runs a command to get its API key): prints a fresh
# Keycloak access token for llm-gateway on stdout, and nothing else.
#
# Claude Code settings (~/.claude/settings.json):
#   { "apiKeyHelper": "/path/to/apikey-helper.sh",
#     "env": { "ANTHROPIC_BASE_URL": "https://gateway.example", "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "240000" } }
# Claude Code sends the printed value as `x-api-key` / `Authorization: Bearer`; the gateway verifies it
# against Keycloak. Set the helper TTL below the realm's access token lifespan (Keycloak default 5 min).
#
# Configuration (environment):
#   KEYCLOAK_URL            realm URL, e.g. https://keycloak.example/realms/acme              (required)
#   KEYCLOAK_CLIENT_ID      OIDC client id                                                     (required)
#   KEYCLOAK_CLIENT_SECRET  client secret, for a confidential client
#   KEYCLOAK_REFRESH_TOKEN  a refresh token (e.g. an offline token) -> refresh_token grant, as that user
#   KEYCLOAK_REFRESH_TOKEN_FILE  file holding the refresh token; rewritten when Keycloak rotates it
#   KEYCLOAK_SCOPE          extra scopes to request (optional)
#   KEYCLOAK_TOKEN_CACHE    where the current access token is cached (mode 600) and reused while it has
#                           more than KEYCLOAK_MIN_TTL_S (default 60) seconds left;
#                           default ${XDG_CACHE_HOME:-~/.cache}/llm-gateway/keycloak-token; "none" disables
# Without a refresh token the client-credentials grant is used (KEYCLOAK_CLIENT_SECRET required; the
# client needs "Service accounts roles" on, and its service account user holds the tier role).
# Exit status non-zero with a message on stderr when no token can be obtained. Needs bash, curl, base64.
set -euo pipefail

die() { echo "apikey-helper: $*" >&2; exit 1; }

: "${KEYCLOAK_URL:?apikey-helper: set KEYCLOAK_URL to the realm URL}"
: "${KEYCLOAK_CLIENT_ID:?apikey-helper: set KEYCLOAK_CLIENT_ID}"
realm_url="${KEYCLOAK_URL%/}"
min_ttl="${KEYCLOAK_MIN_TTL_S:-60}"
cache="${KEYCLOAK_TOKEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-gateway/keycloak-token}"

json_field() { # json_field NAME < json  -> the string value of a top-level field (token-safe charset)
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}

token_exp() { # token_exp JWT -> its exp claim, or 0
  local payload="${1#*.}"
  payload="${payload%%.*}"
  payload="$(printf '%s' "$payload" | tr '_-' '/+')"
  while (( ${#payload} % 4 )); do payload="$payload="; done
  printf '%s' "$payload" | base64 -d 2>/dev/null | sed -n 's/.*"exp"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1 || true
}

if [[ "$cache" != none && -s "$cache" ]]; then
  cached="$(cat "$cache")"
  exp="$(token_exp "$cached")"
  if [[ -n "$exp" ]] && (( exp - $(date +%s) > min_ttl )); then
    printf '%s\n' "$cached"
    exit 0
  fi
fi

refresh_token="${KEYCLOAK_REFRESH_TOKEN:-}"
if [[ -z "$refresh_token" && -n "${KEYCLOAK_REFRESH_TOKEN_FILE:-}" ]]; then
  [[ -r "$KEYCLOAK_REFRESH_TOKEN_FILE" ]] || die "cannot read KEYCLOAK_REFRESH_TOKEN_FILE"
  refresh_token="$(tr -d '[:space:]' < "$KEYCLOAK_REFRESH_TOKEN_FILE")"
fi

form=("client_id=$KEYCLOAK_CLIENT_ID")
[[ -n "${KEYCLOAK_CLIENT_SECRET:-}" ]] && form+=("client_secret=$KEYCLOAK_CLIENT_SECRET")
[[ -n "${KEYCLOAK_SCOPE:-}" ]] && form+=("scope=$KEYCLOAK_SCOPE")
if [[ -n "$refresh_token" ]]; then
  form+=(grant_type=refresh_token "refresh_token=$refresh_token")
else
  [[ -n "${KEYCLOAK_CLIENT_SECRET:-}" ]] || die "set KEYCLOAK_CLIENT_SECRET (client credentials) or KEYCLOAK_REFRESH_TOKEN(_FILE)"
  form+=(grant_type=client_credentials)
fi

# Secrets go to curl as a config on stdin, not on the command line, so `ps` does not show them.
response="$(
  for field in "${form[@]}"; do
    quoted="${field//\\/\\\\}"
    quoted="${quoted//\"/\\\"}"
    printf 'data-urlencode = "%s"\n' "$quoted"
  done | curl -sS --max-time 15 -K - "$realm_url/protocol/openid-connect/token"
)" || die "could not reach $realm_url"

access_token="$(printf '%s' "$response" | json_field access_token)"
if [[ -z "$access_token" ]]; then
  error="$(printf '%s' "$response" | json_field error)"
  die "Keycloak refused the token request: ${error:-unexpected answer}"
fi

new_refresh="$(printf '%s' "$response" | json_field refresh_token)"
if [[ -n "$new_refresh" && -n "${KEYCLOAK_REFRESH_TOKEN_FILE:-}" && -z "${KEYCLOAK_REFRESH_TOKEN:-}" && "$new_refresh" != "$refresh_token" ]]; then
  (umask 077 && printf '%s\n' "$new_refresh" > "$KEYCLOAK_REFRESH_TOKEN_FILE.tmp" && mv "$KEYCLOAK_REFRESH_TOKEN_FILE.tmp" "$KEYCLOAK_REFRESH_TOKEN_FILE")
fi

if [[ "$cache" != none ]]; then
  (umask 077 && mkdir -p "$(dirname "$cache")" && printf '%s' "$access_token" > "$cache.tmp" && mv "$cache.tmp" "$cache") || true
fi
printf '%s\n' "$access_token"
