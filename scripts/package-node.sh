#!/usr/bin/env bash
# Builds the npm packages as they are published, in napi-rs's layout: one
# package per platform holding a stripped release addon, and the main
# package (loader, types, README, licenses) that lists every platform
# package in optionalDependencies. Checks the `npm pack` contents of both,
# installs the two tarballs into an empty project and loads the addon from
# the platform package, and checks the loader's error when none fits.
#   bash scripts/package-node.sh                 # host target
#   TARGET=aarch64-apple-darwin bash ...         # (the release workflow)
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
out=$root/target/npm
# napi keeps the per-platform package directories inside the project.
work=$root/bindings-node/.pack
rm -rf "$out" "$work"
mkdir -p "$out/platform" "$out/main" "$work/build"
cd bindings-node
[ -d node_modules ] || npm ci --no-audit --no-fund --silent
target=()
[ -n "${TARGET:-}" ] && target=(--target "$TARGET")
# The loader and types are committed; build only the stripped addon.
# Stripped by cargo itself (napi's --strip left the symbol table here).
CARGO_PROFILE_RELEASE_STRIP=symbols npx napi build --platform --release --no-js --no-dts-header --dts "$work/build/unused.d.ts" \
  --output-dir "$work/build" "${target[@]}"
npx napi create-npm-dirs --npm-dir "$work/npm"
# The addon goes into its platform's package (napi's `artifacts` wants every
# configured target at once; one is built here).
addon=$(ls "$work/build"/*.node)
platform=$(basename "$addon" .node)
platform_dir="$work/npm/${platform#clickfence.}"
cp "$addon" "$platform_dir/"
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$platform_dir/"
node -e "
  const f = '$platform_dir/package.json', p = JSON.parse(require('fs').readFileSync(f, 'utf8'))
  p.files = [...new Set([...(p.files || []), 'LICENSE-MIT', 'LICENSE-APACHE'])]
  require('fs').writeFileSync(f, JSON.stringify(p, null, 2) + '\n')"
(cd "$platform_dir" && npm pack --silent --pack-destination "$out/platform" >/dev/null)

# The main package: what package.json's `files` lists, plus the platform
# packages as optional dependencies at this version.
stage=$work/stage
mkdir -p "$stage"
node - "$stage" "$work/npm" <<'JS'
const fs = require('fs'), path = require('path')
const [stage, dirs] = process.argv.slice(2)
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'))
pkg.optionalDependencies = {}
for (const d of fs.readdirSync(dirs)) {
  const sub = JSON.parse(fs.readFileSync(path.join(dirs, d, 'package.json'), 'utf8'))
  pkg.optionalDependencies[sub.name] = pkg.version
}
delete pkg.devDependencies
delete pkg.scripts
pkg.files = pkg.files.filter((f) => !f.endsWith('.node'))
fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
for (const f of pkg.files) fs.copyFileSync(f, path.join(stage, f))
JS
(cd "$stage" && npm pack --silent --pack-destination "$out/main" >/dev/null)

node - "$out" "$addon" <<'JS'
const fs = require('fs'), path = require('path'), { execFileSync } = require('child_process')
const [out, addon] = process.argv.slice(2)
const list = (tgz) => execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n')
const one = (dir) => path.join(dir, fs.readdirSync(dir)[0])
const main = list(one(path.join(out, 'main')))
const plat = list(one(path.join(out, 'platform')))
const fail = (m) => { console.error('package-node: ' + m); process.exit(1) }
for (const f of ['main.cjs', 'options.cjs', 'index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'redis.js', 'redis.mjs', 'redis.d.ts', 'redis.d.mts', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'package.json'])
  if (!main.includes('package/' + f)) fail(`main package lacks ${f}`)
if (main.some((f) => f.endsWith('.node'))) fail('main package ships an addon')
if (!plat.some((f) => f.endsWith('.node'))) fail('platform package has no addon')
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'package.json'])
  if (!plat.includes('package/' + f)) fail(`platform package lacks ${f}`)
if (process.platform === 'linux') {
  const sections = execFileSync('readelf', ['-S', addon], { encoding: 'utf8' })
  if (sections.includes('.symtab')) fail('the addon is not stripped')
}
console.log(`package-node: main ${main.length} files, platform ${plat.length} files, addon ${(fs.statSync(addon).size / 1e6).toFixed(1)} MB stripped`)
JS

# Installed as a user installs it: the addon comes from the platform package;
# and without one, the loader says so.
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
install() {
  mkdir -p "$app/$1"
  (cd "$app/$1" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --omit=optional "${@:2}")
}
install both "$out"/main/*.tgz "$out"/platform/*.tgz
(cd "$app/both" && node -e "const cf = require('clickfence'), r = require('clickfence/redis'); if (typeof cf.WebhookVerifier !== 'function' || typeof r.RedisRateLimiter !== 'function') process.exit(1)")
echo "package-node: the addon loads from the platform package"
install alone "$out"/main/*.tgz
if (cd "$app/alone" && node -e "require('clickfence')" 2>"$app/err.txt"); then
  echo "package-node: loaded with no platform package installed" >&2
  exit 1
fi
grep -q "Cannot find native binding" "$app/err.txt"
echo "package-node: without a platform package the loader says so"
