#!/usr/bin/env bash
# Vendor the browser assets for the offline GraphiQL page into gql/static/graphiql/.
#
# Everything comes from the npm registry (via `npm install`) at the exact pinned versions
# below; nothing is loaded from a CDN at runtime. index.html in the target folder is
# hand-written and is never touched by this script.
#
# Notes:
#  * graphiql 3.x publishes `graphiql.min.js`/`graphiql.min.css`, but they are webpack
#    *development* builds (~3.5 MB, unminified, with a sourceMappingURL comment). We minify
#    them with a pinned esbuild (whitespace/identifiers/syntax only; no bundling, so the
#    UMD globals `window.GraphiQL`, `GraphiQL.React`, `GraphiQL.GraphQL` are preserved).
#  * @graphiql/plugin-explorer 3.2.5 is the last 3.x release built against
#    @graphiql/react ^0.28 (the same line graphiql 3.8.3 bundles); 3.2.6 needs ^0.29.
#    Its UMD build reads the globals React, GraphiQL.React and GraphiQL.GraphQL.
#  * The explorer tarball ships no LICENSE file; it lives in the graphql/graphiql monorepo
#    under the same MIT license as graphiql, so that text is reused.
#
# Usage: scripts/vendor_graphiql.sh   (requires node + npm with access to the registry)
set -euo pipefail

GRAPHIQL_VERSION=3.8.3
EXPLORER_VERSION=3.2.5
REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1
ESBUILD_VERSION=0.28.2   # build tool only, not shipped

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/gql/static/graphiql"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
echo '{"name":"vendor-graphiql","private":true}' > package.json
npm install --save-exact --ignore-scripts --no-audit --no-fund --loglevel=error \
  "graphiql@$GRAPHIQL_VERSION" \
  "@graphiql/plugin-explorer@$EXPLORER_VERSION" \
  "react@$REACT_VERSION" \
  "react-dom@$REACT_DOM_VERSION" \
  "esbuild@$ESBUILD_VERSION"

NM="$WORK/node_modules"

# Sanity check: the installed versions are exactly the pinned ones.
check_version() {
  local pkg="$1" want="$2" got
  got="$(node -p "require('$NM/$pkg/package.json').version")"
  if [[ "$got" != "$want" ]]; then
    echo "error: $pkg is $got, expected $want" >&2
    exit 1
  fi
}
check_version graphiql "$GRAPHIQL_VERSION"
check_version @graphiql/plugin-explorer "$EXPLORER_VERSION"
check_version react "$REACT_VERSION"
check_version react-dom "$REACT_DOM_VERSION"

OUT="$WORK/out"
mkdir -p "$OUT"
ESBUILD="$NM/.bin/esbuild"

# GraphiQL (UMD, exposes window.GraphiQL) + stylesheet (fonts are inlined as data: URLs).
"$ESBUILD" "$NM/graphiql/graphiql.min.js" --minify --legal-comments=none \
  --log-level=warning --outfile="$OUT/graphiql.min.js"
"$ESBUILD" "$NM/graphiql/graphiql.min.css" --minify --legal-comments=none \
  --log-level=warning --outfile="$OUT/graphiql.min.css"

# Explorer plugin (UMD, exposes window.GraphiQLPluginExplorer); already minified.
cp "$NM/@graphiql/plugin-explorer/dist/index.umd.js" "$OUT/plugin-explorer.umd.js"
cp "$NM/@graphiql/plugin-explorer/dist/style.css" "$OUT/plugin-explorer.css"

# React 18 UMD production builds (window.React / window.ReactDOM).
cp "$NM/react/umd/react.production.min.js" "$OUT/react.production.min.js"
cp "$NM/react-dom/umd/react-dom.production.min.js" "$OUT/react-dom.production.min.js"

# Licenses.
cp "$NM/graphiql/LICENSE" "$OUT/LICENSE.graphiql.txt"
{
  echo "@graphiql/plugin-explorer $EXPLORER_VERSION is published from the graphql/graphiql"
  echo "monorepo under the MIT license (package.json \"license\": \"MIT\"); the npm tarball"
  echo "ships no LICENSE file, so the monorepo license text is reproduced here."
  echo
  cat "$NM/graphiql/LICENSE"
} > "$OUT/LICENSE.plugin-explorer.txt"
cp "$NM/react/LICENSE" "$OUT/LICENSE.react.txt"
cp "$NM/react-dom/LICENSE" "$OUT/LICENSE.react-dom.txt"

# Third-party code bundled *inside* graphiql.min.js and plugin-explorer.umd.js.
# The package names are taken from the webpack module ids in the original bundle.
license_file() {
  find "$1" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' \) | sort | head -n 1
}
{
  echo "Third-party software bundled in graphiql.min.js (graphiql $GRAPHIQL_VERSION) and"
  echo "plugin-explorer.umd.js (@graphiql/plugin-explorer $EXPLORER_VERSION)."
  echo "Versions are those npm resolved when this folder was generated; the bundles were built"
  echo "upstream and may contain slightly different releases of the same packages."
  pkgs="$(
    {
      grep -o '"\.\./\.\./\.\./node_modules/[^"]*"' "$NM/graphiql/graphiql.min.js" \
        | sed -E 's#^"\.\./\.\./\.\./node_modules/##; s#^(@[^/]+/[^/]+|[^@/][^/]*)/.*#\1#'
      # @graphiql/* packages are covered by LICENSE.graphiql.txt; react by LICENSE.react.txt.
      echo graphiql-explorer
    } | grep -v -E '^(@graphiql/|react$|react-dom$)' | sort -u
  )"
  for pkg in $pkgs; do
    if [[ -f "$NM/$pkg/package.json" ]]; then
      dir="$NM/$pkg"
    else
      dir="$(find "$NM" -path "*/node_modules/$pkg/package.json" -printf '%h\n' 2>/dev/null | sort | head -n 1)"
    fi
    echo
    if [[ -z "$dir" ]]; then
      # Bundled upstream but absent from today's install tree: fetch the registry's
      # current tarball only to copy its license text (not shipped as code).
      mkdir -p "$WORK/extra/$pkg"
      tgz="$(cd "$WORK/extra" && npm pack --silent --loglevel=error "$pkg" | tail -n 1)"
      tar -xzf "$WORK/extra/$tgz" -C "$WORK/extra/$pkg" --strip-components=1
      dir="$WORK/extra/$pkg"
    fi
    echo "================================================================================"
    ver="$(node -p "require('$dir/package.json').version")"
    lic="$(node -p "const p=require('$dir/package.json'); p.license || (p.licenses||[]).map(l=>l.type||l).join(', ') || 'UNKNOWN'")"
    echo "$pkg@$ver  ($lic)"
    echo "================================================================================"
    f="$(license_file "$dir")"
    if [[ -n "$f" ]]; then
      cat "$f"
    else
      echo "(no license file in the package; declared license: $lic)"
    fi
  done
} > "$OUT/LICENSE.third-party.txt"

# Refuse to ship source maps or CDN references.
if grep -l 'sourceMappingURL' "$OUT"/*.js "$OUT"/*.css; then
  echo "error: source map reference left in output" >&2
  exit 1
fi

{
  echo "Vendored by scripts/vendor_graphiql.sh from the npm registry; do not edit by hand."
  echo "graphiql $GRAPHIQL_VERSION (graphiql.min.js/.css re-minified with esbuild $ESBUILD_VERSION)"
  echo "@graphiql/plugin-explorer $EXPLORER_VERSION"
  echo "react $REACT_VERSION"
  echo "react-dom $REACT_DOM_VERSION"
  echo
  (cd "$OUT" && sha256sum -- *)
} > "$OUT/VERSIONS.txt"

# Replace everything in DEST except the hand-written index.html.
mkdir -p "$DEST"
find "$DEST" -mindepth 1 -maxdepth 1 ! -name index.html -exec rm -rf -- {} +
cp "$OUT"/* "$DEST"/

echo "Vendored into $DEST:"
ls -l "$DEST"
du -ch "$DEST"/* | tail -n 1
