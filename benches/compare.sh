#!/usr/bin/env bash
# Times inkproof against Hugo on the same generated articles, in one call, with
# the runs of the two tools alternating so that machine load hits both alike.
#
#   benches/compare.sh                     # N=1000 and N=10000, 3 runs each
#   SIZES=1000 RUNS=5 benches/compare.sh
#
# The corpus comes from ../shared/bench/gen_corpus.py (seed 42, the corpus the
# peer figures in ../shared/bench/ANCHORS.md were measured on). Its `raw/posts`
# articles are copied into an inkproof site, so both tools build the same
# Markdown. Every timed run is a full clean build, `sh -c 'rm -rf OUT && exec
# TOOL ...'`, with the rm inside the timed region (as ANCHORS.md does): 1
# warm-up per tool, then RUNS counted runs, median quoted. Peak RSS comes from
# GNU time (/usr/bin/time) when it is installed.
#
# Knobs (environment):
#   SIZES="1000 10000"  corpus sizes            RUNS=3   counted runs per tool
#   CORPUS_ROOT=/tmp/inkproof-compare           corpora and results (never the repo)
#   HUGO_BIN=hugo       Hugo binary (Debian: apt-get install -y hugo, 0.111)
#   ZOLA_BIN=../shared/bench/peers/zola   Zola 0.21 (syntect); empty to skip
#   INCREMENTAL=1       also time inkproof's no-change rebuild and one-edit build
#   QUIET=0             1: before each timed run (untimed), `sync` and wait
#                       QUIET_S=61 s, so no run pays for another tool's deletes
#                       (see "QUIET" below)
#   RM=timed            untimed: delete the previous output before the quiet
#                       wait instead of inside the timed region, so a run
#                       times the build alone (see "RM" below)
#   LIKE_PEERS=0        1: inkproof without the outputs the peers are set up
#                       without (ANCHORS.md: feeds, taxonomy pages, search
#                       index off "where the tool allows"): its inkproof.yaml
#                       gets `taxonomies: false`, `search: false`, `feeds: false`
#   REAL_SHAPED=0       1: plant a real blog's defects in every tool's copy
#                       (scripts/real_shaped.py --peers: images without alt,
#                       affiliate links in text, missing anchors, stray fences;
#                       issue 23), with inkproof's stray-fence errors set to
#                       warnings so every tool builds every article
#   GEN=../shared/bench/gen_corpus.py           corpus generator
#   SEED=42
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SIZES="${SIZES:-1000 10000}"
RUNS="${RUNS:-3}"
SEED="${SEED:-42}"
CORPUS_ROOT="${CORPUS_ROOT:-/tmp/inkproof-compare}"
GEN="${GEN:-$REPO/../shared/bench/gen_corpus.py}"
ZOLA_BIN="${ZOLA_BIN-$REPO/../shared/bench/peers/zola}"
[ -n "$ZOLA_BIN" ] && [ -x "$ZOLA_BIN" ] || { [ -n "$ZOLA_BIN" ] && echo "note: $ZOLA_BIN not found, Zola skipped"; ZOLA_BIN=""; }
INCREMENTAL="${INCREMENTAL:-1}"
QUIET="${QUIET:-0}"
QUIET_S="${QUIET_S:-61}"
RM="${RM:-timed}"
LIKE_PEERS="${LIKE_PEERS:-0}"
REAL_SHAPED="${REAL_SHAPED:-0}"
PROTO=""; [ "$QUIET" = 1 ] && PROTO=" (quiet)"   # tags the results file's rows
[ "$RM" = untimed ] && PROTO="$PROTO (rm untimed)"
[ "$LIKE_PEERS" = 1 ] && PROTO="$PROTO (like peers)"
[ "$REAL_SHAPED" = 1 ] && PROTO="$PROTO (real-shaped)"
TIME=/usr/bin/time

CORPUS_ROOT="$(realpath -m "$CORPUS_ROOT")"
case "$CORPUS_ROOT/" in
  "$(realpath "$REPO")"/*) echo "CORPUS_ROOT must be outside the repository ($REPO)" >&2; exit 2 ;;
esac
mkdir -p "$CORPUS_ROOT"
[ -f "$GEN" ] || { echo "corpus generator not found: $GEN (is shared/ beside the repo?)" >&2; exit 2; }
# Two comparisons at once would delete each other's output and share the cores:
# wait for the other one.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CORPUS_ROOT/.lock"
  flock -n 9 || { echo "another compare.sh is using $CORPUS_ROOT; waiting..."; flock 9; }
fi

# Tools: install what is missing when we may (Debian, root), else go on without.
if ! command -v hugo >/dev/null 2>&1 || [ ! -x "$TIME" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y hugo time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y hugo time >/dev/null 2>&1; } || true
  fi
fi
HUGO_BIN="${HUGO_BIN:-$(command -v hugo || true)}"
[ -x "$TIME" ] || { TIME=""; echo "note: GNU time missing, no peak RSS (apt-get install -y time)"; }
[ -n "$HUGO_BIN" ] || echo "note: hugo not found, timing inkproof alone (apt-get install -y hugo)"

echo "building inkproof (release)..."
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
INKPROOF="${CARGO_TARGET_DIR:-$REPO/target}/release/inkproof"
[ -x "$INKPROOF" ] || INKPROOF="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/inkproof"

RESULTS="$CORPUS_ROOT/compare.tsv"
[ -f "$RESULTS" ] || printf 'date\ttool\tversion\tn\thtml_files\twall_med_s\twall_min_s\twall_max_s\tcpu_med_s\trss_med_mib\tpages_per_s\truns\n' > "$RESULTS"

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s %s", lo, hi}'; }

# QUIET: ext4 without a journal (this VM's root file system) skips, on every
# inode it allocates, the slots freed in the last 60 s (360 s while their
# inode-table block is dirty), looking each one up in the buffer cache. With the
# tools alternating, a run's files then pay for the folders the *previous tool*
# just deleted, not only for its own `rm -rf` (which stays inside the timed
# region either way). `sync` cleans those blocks and the wait outlives the 60 s,
# so each run pays for its own output only. Untimed; ~1 minute per run.
#
# RM: on that file system the cost of a build right after `rm -rf` of its
# previous output also depends on where the freed slots lie: ext4 scans a
# group's free slots from the start, so when the freed ones come first every
# new file steps over all of them, and when genuinely free ones come first it
# does not. The same build took 3 to 11 s of system CPU from run to run here
# (our reading: successive outputs take turns between two regions). RM=untimed (with QUIET=1) deletes before
# the wait, so no slot is recent when the build starts: what is left is the
# tools' own work and writes.
quiet() {
  [ "$QUIET" = 1 ] || return 0
  sync
  sleep "$QUIET_S"
}

# run_once SITE OUT CMD... -> prints "wall cpu rss_kib" (rss "-" without GNU time)
run_once() {
  local site="$1" out="$2"; shift 2
  local q; q="$(printf '%q ' "$@")"
  local script="rm -rf $out && exec $q"
  [ "$RM" = untimed ] && script="exec $q"
  if [ -n "$TIME" ]; then
    local log; log="$(mktemp)"
    ( cd "$site" && "$TIME" -f '%e %U %S %M' -o "$log" sh -c "$script" >/dev/null 2>&1 ) \
      || { echo "!! failed: $* (in $site)" >&2; rm -f "$log"; return 1; }
    awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$log"
    rm -f "$log"
  else
    local t0 t1
    t0="$(date +%s.%N)"
    ( cd "$site" && sh -c "$script" >/dev/null 2>&1 ) || { echo "!! failed: $* (in $site)" >&2; return 1; }
    t1="$(date +%s.%N)"
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f - -\n", b - a}'
  fi
}

for N in $SIZES; do
  C="$CORPUS_ROOT/n$N-s$SEED"
  [ "$REAL_SHAPED" = 1 ] && C="$C-real"
  if [ ! -f "$C/.done" ]; then
    echo "generating N=$N with $(basename "$GEN")..."
    rm -rf "$C"
    python3 "$GEN" --n "$N" --out "$C" --seed "$SEED" --tools raw,hugo,zola --zola-highlight syntect >/dev/null
    # The same articles as an inkproof site. gen_corpus links articles as Hugo
    # URLs (/posts/article-00042/); inkproof authors link the Markdown file
    # instead (article-00042.md), which inkproof rewrites to the page URL. Only
    # those link targets change, so both tools get the same work.
    mkdir -p "$C/inkproof/content"
    cp -R "$C/raw/posts" "$C/inkproof/content/posts"
    find "$C/inkproof/content/posts" -name '*.md' -print0 \
      | xargs -0 sed -i -E 's#\]\(/posts/(article-[0-9]+)/\)#](\1.md)#g'
    [ "$REAL_SHAPED" = 1 ] && python3 "$REPO/scripts/real_shaped.py" --peers "$C"
    touch "$C/.done"
  fi
  cfg='title: "Bench"\nbase_url: "https://example.org"\n'
  [ "$LIKE_PEERS" = 1 ] && cfg+='taxonomies: false\nsearch: false\nfeeds: false\n'
  [ "$REAL_SHAPED" = 1 ] && cfg+='checks:\n  structure/unclosed-fence: warning\n'
  printf "$cfg" > "$C/inkproof/inkproof.yaml"

  tools=(inkproof)
  [ -n "$ZOLA_BIN" ] && [ -d "$C/zola" ] && tools=(zola "${tools[@]}")
  [ -n "$HUGO_BIN" ] && tools=(hugo "${tools[@]}")
  declare -A walls=() cpus=() rsss=()
  for round in $(seq 0 "$RUNS"); do
    for tool in "${tools[@]}"; do
      case "$tool" in
        hugo) site="$C/hugo"; out="public"; cmd=("$HUGO_BIN" --quiet) ;;
        zola) site="$C/zola"; out="public"; cmd=("$ZOLA_BIN" build) ;;
        # A cold build: no output and no cache of article results.
        inkproof) site="$C/inkproof"; out="public .inkproof-cache"; cmd=("$INKPROOF" --root . build --quiet) ;;
      esac
      # shellcheck disable=SC2086 # $out is a list of folder names
      [ "$RM" = untimed ] && (cd "$site" && rm -rf $out)
      quiet
      r="$(run_once "$site" "$out" "${cmd[@]}")"
      [ "$round" = 0 ] && continue   # warm-up
      read -r w c m <<<"$r"
      walls[$tool]+="$w "; cpus[$tool]+="$c "; rsss[$tool]+="$m "
      echo "  N=$N run $round $tool: ${w}s wall, ${c}s cpu, $m KiB"
    done
  done

  declare -A wmed=() cmed=() rmed=()
  printf '\n| tool | version | N | html files | median wall s (min..max) | cpu s | peak RSS MiB | pages/s |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
  for tool in "${tools[@]}"; do
    case "$tool" in
      hugo) site="$C/hugo"; ver="$("$HUGO_BIN" version | grep -o 'v[0-9.]*' | head -1)" ;;
      zola) site="$C/zola"; ver="$("$ZOLA_BIN" --version | awk '{print $2}')" ;;
      inkproof) site="$C/inkproof"; ver="$("$INKPROOF" --version | awk '{print $2}')" ;;
    esac
    html="$(find "$site/public" -name '*.html' | wc -l)"
    wmed[$tool]="$(tr ' ' '\n' <<<"${walls[$tool]}" | grep . | median)"
    cmed[$tool]="$(tr ' ' '\n' <<<"${cpus[$tool]}" | grep . | median)"
    rmed[$tool]="$(tr ' ' '\n' <<<"${rsss[$tool]}" | grep -v '^-$' | grep . | median)"
    read -r lo hi <<<"$(tr ' ' '\n' <<<"${walls[$tool]}" | grep . | minmax)"
    rss_mib="$(awk -v k="${rmed[$tool]}" 'BEGIN {if (k == "nan") print "-"; else printf "%.0f", k / 1024}')"
    pps="$(awk -v n="$N" -v w="${wmed[$tool]}" 'BEGIN {printf "%.0f", (n + 1) / w}')"
    printf '| %s | %s | %s | %s | %s (%s..%s) | %s | %s | %s |\n' "$tool" "$ver" "$N" "$html" "${wmed[$tool]}" "$lo" "$hi" "${cmed[$tool]}" "$rss_mib" "$pps"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$tool$PROTO" "$ver" "$N" "$html" "${wmed[$tool]}" "$lo" "$hi" "${cmed[$tool]}" "$rss_mib" "$pps" "${walls[$tool]% }" >> "$RESULTS"
  done
  if [ -n "$HUGO_BIN" ]; then
    awk -v hw="${wmed[hugo]}" -v iw="${wmed[inkproof]}" -v hc="${cmed[hugo]}" -v ic="${cmed[inkproof]}" \
        -v hr="${rmed[hugo]}" -v ir="${rmed[inkproof]}" -v n="$N" 'BEGIN {
      printf "\nN=%s ratios hugo/inkproof: wall %.2fx, cpu %.2fx", n, hw / iw, hc / ic
      if (hr != "nan" && ir != "nan" && ir > 0) printf ", peak RSS %.2fx", hr / ir
      printf " (above 1 means inkproof is faster / smaller)\n\n"
    }'
  fi
  if [ -n "$ZOLA_BIN" ] && [ -n "${wmed[zola]:-}" ]; then
    awk -v zw="${wmed[zola]}" -v iw="${wmed[inkproof]}" -v zc="${cmed[zola]}" -v ic="${cmed[inkproof]}" \
        -v zr="${rmed[zola]}" -v ir="${rmed[inkproof]}" -v n="$N" 'BEGIN {
      printf "N=%s inkproof/zola (cold): wall %.2fx, cpu %.2fx", n, iw / zw, ic / zc
      if (zr != "nan" && ir != "nan" && zr > 0) printf ", peak RSS %.2fx", ir / zr
      printf " (below 1 means inkproof is faster / smaller)\n\n"
    }'
  fi
  if [ "$INCREMENTAL" = 1 ]; then
    # The output and cache of the last cold run stay: a rebuild with nothing
    # changed, then a build after one article is edited (as an author would).
    ( cd "$C/inkproof" && "$INKPROOF" --root . build --quiet >/dev/null 2>&1 )
    nc=""; ed=""
    f="$C/inkproof/content/posts/article-00007.md"
    cp "$f" "$f.orig"
    for round in $(seq 1 "$RUNS"); do
      r="$(run_once "$C/inkproof" "" "$INKPROOF" --root . build --quiet)"; nc+="${r%% *} "
      printf '\nOne more paragraph for run %s.\n' "$round" >> "$f"
      r="$(run_once "$C/inkproof" "" "$INKPROOF" --root . build --quiet)"; ed+="${r%% *} "
    done
    mv "$f.orig" "$f"
    printf 'N=%s inkproof no-change rebuild: %s s median (%s); one-article edit then build: %s s median (%s)\n\n' \
      "$N" "$(tr ' ' '\n' <<<"$nc" | grep . | median)" "${nc% }" "$(tr ' ' '\n' <<<"$ed" | grep . | median)" "${ed% }"
  fi
  unset walls cpus rsss wmed cmed rmed
done
echo "results appended to $RESULTS"
