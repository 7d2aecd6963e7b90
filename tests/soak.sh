#!/usr/bin/env bash
# A lecture long: drives the real window in a virtual X display for MINUTES and samples its
# resident memory, open file descriptors and threads every few seconds.
#
#   tests/soak.sh [-m MINUTES] [-o DIR] [-p PHASES] [-s KEYS] [-t] [-- GUI-ARGS...]   (default 2 minutes, a fresh DIR)
#
# -p keeps only the listed phases of each cycle (comma-separated: scene, training, export, compare,
# presentation, resize, minimise, animation, reflow), and -s the scene keys cycled through (default
# 1234567890), to find which one a growth comes from. -t starts with a tour of every scene (its
# key, a few seconds of training, compare mode on and off: about two minutes), as a lecturer's
# first clicks, so that the cycles compare states reached after every scene was loaded once; it
# ends with the cycles' reflow, so that the first cycle starts where the others do.
#
# Each cycle leaves the comparison the last reflow left (C), loads the next shipped scene (keys
# 1–9, 0), trains it, exports a video (E, Enter; FLOWSCOPE_SAVE_DIR answers the save dialog),
# opens and leaves compare mode (C), toggles presentation mode (F11, Esc), resizes the window in
# a burst, then to 8×8 pixels and back, unmaps and maps it (minimise and restore: no window
# manager runs here), plays the animation (T), then loads the first scene, trains it to its end
# and reflows it (F), and waits for the export to finish, so every cycle ends in the same state.
# Writes DIR/samples.csv (seconds, cycle, phase, rss_kib, fds, threads), DIR/threads.txt (the
# threads by name whenever their number changes), DIR/window.log,
# DIR/last.png (the screen at the end) and DIR/summary.txt; exports land in DIR/saves.
#
# Bars, judged after a warm-up of min(2 minutes, a third of the run), between the first and the
# last completed cycle, at the same phase of each: resident memory grows by at most 5%, file
# descriptors and threads do not grow. Exit status 0 when the window lived throughout, printed no
# panic and met the bars (the bars need two cycles after the warm-up; shorter runs report only).
set -euo pipefail

minutes=2 out="" phases=scene,training,export,compare,presentation,resize,minimise,animation,reflow keys=1234567890 tour=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -m) minutes=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -p) phases=$2; shift 2 ;;
    -s) keys=$2; shift 2 ;;
    -t) tour=1; shift ;;
    --) shift; break ;;
    *) echo "usage: tests/soak.sh [-m MINUTES] [-o DIR] [-p PHASES] [-s KEYS] [-t] [-- GUI-ARGS...]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
bin=${FLOWSCOPE_BIN:-target/release/flowscope}
[[ -x $bin ]] || { echo "soak: $bin is missing; run cargo build --release first" >&2; exit 2; }
for tool in Xvfb xdotool ffmpeg; do
  command -v $tool >/dev/null || { echo "soak: $tool is missing (apt-get install xvfb xdotool ffmpeg)" >&2; exit 2; }
done
out=${out:-$(mktemp -d -t flowscope-soak.XXXXXX)}
mkdir -p "$out/saves" "$out/config" "$out/runtime"
chmod 700 "$out/runtime"
out=$(cd "$out" && pwd)

# Xvfb picks a display number nobody holds (two soaks at once get two displays).
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$out/display" >"$out/xvfb.log" 2>&1 &
xvfb=$!
app=""
cleanup() {
  if [[ -n $app ]]; then
    kill "$app" 2>/dev/null || true
    sleep 0.5
    kill -9 "$app" 2>/dev/null || true
  fi
  kill "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -s $out/display ]] && break; sleep 0.1; done
[[ -s $out/display ]] || { echo "soak: the virtual display did not start:" >&2; cat "$out/xvfb.log" >&2; exit 2; }
display=:$(head -n 1 "$out/display")
for _ in $(seq 50); do xdotool -v >/dev/null 2>&1 && DISPLAY=$display xdotool getmouselocation >/dev/null 2>&1 && break; sleep 0.1; done

export DISPLAY=$display XDG_CONFIG_HOME=$out/config XDG_RUNTIME_DIR=$out/runtime
export FLOWSCOPE_SAVE_DIR=$out/saves
"$bin" gui "$@" >"$out/window.log" 2>&1 &
app=$!

window=""
for _ in $(seq 120); do
  window=$(xdotool search --onlyvisible --pid "$app" 2>/dev/null | head -1 || true)
  [[ -n $window ]] && break
  kill -0 "$app" 2>/dev/null || break
  sleep 0.5
done
if [[ -z $window ]]; then
  echo "soak: the window did not appear; its output:" >&2
  tail -n 20 "$out/window.log" >&2
  exit 1
fi

start=$(date +%s)
deadline=$((start + minutes * 60))
cycle=0 completed=0 phase=start
echo "seconds,cycle,phase,rss_kib,fds,threads" >"$out/samples.csv"

alive() { kill -0 "$app" 2>/dev/null; }
sample() {
  alive || return 0
  local rss threads fds
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$app/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$app/status")
  fds=$(find "/proc/$app/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  echo "$(($(date +%s) - start)),$cycle,$phase,$rss,$fds,$threads" >>"$out/samples.csv"
  # The threads by name whenever their number changes, to tell which part made one.
  if [[ $threads != "${last_threads:-}" ]]; then
    last_threads=$threads
    { echo "$(($(date +%s) - start)) s, cycle $cycle, $phase:"; { cat /proc/"$app"/task/*/comm 2>/dev/null || true; } | sort | uniq -c; } >>"$out/threads.txt"
  fi
}
# Waits SECONDS, sampling every 3 s; stops early at the deadline.
pause() {
  local until=$(($(date +%s) + $1))
  while (($(date +%s) < until)) && (($(date +%s) < deadline)) && alive; do
    sample
    sleep 3
  done
}
focus() { xdotool windowfocus --sync "$window" 2>/dev/null || true; }
key() { focus; xdotool key --window "$window" "$@" 2>/dev/null || true; }

scene_keys=$keys
wanted() { [[ ,$phases, == *,$1,* ]]; }
export_stamps=""
if ((tour)); then
  phase=tour
  for ((i = 0; i < ${#scene_keys}; i++)); do
    key "${scene_keys:i:1}"; sleep 1; key space; pause 4; key space
    key c; sleep 4; key c; sleep 1
  done
fi
# A reflow leaves the window comparing the flow with its 2-rectified one, and a cycle's compare
# key would then leave that comparison and enter the couplings' one, where the cycle's own
# reflow does nothing: each cycle ends in the reflow's comparison and starts by leaving it, and
# the tour ends in it too, so that every cycle, the first included, goes through the same states.
reflow() { key 1; pause 1; key space; pause 45; key f; pause 10; key space; }
if ((tour)) && wanted reflow; then reflow; fi
while (($(date +%s) < deadline)) && alive; do
  if wanted reflow && { ((tour)) || ((cycle > 0)); }; then phase=scene; key c; pause 2; fi
  if wanted scene; then phase=scene; key "${scene_keys:cycle % ${#scene_keys}:1}"; pause 2; fi
  if wanted training; then phase=training; key space; pause 6; fi
  # Written under the same name each time: its modification times count the exports.
  if wanted export; then phase=export; key e; sleep 1; key Return; pause 3; fi
  if wanted compare; then phase=compare; key c; pause 6; key c; pause 2; fi
  if wanted presentation; then phase=presentation; key F11; pause 3; key Escape; pause 2; fi
  if wanted resize; then
    # A burst of resizes (a projector plugged in, a window dragged), while the export draws.
    phase=resize
    for size in "900 600" "1400 900" "1000 700" "1400 900" "700 500" "1400 900"; do
      xdotool windowsize "$window" $size 2>/dev/null || true; sleep 0.3
    done
    xdotool windowsize "$window" 8 8 2>/dev/null || true; pause 3
    xdotool windowsize "$window" 1400 900 2>/dev/null || true; pause 3
  fi
  if wanted minimise; then
    phase=minimise; xdotool windowunmap "$window" 2>/dev/null || true; pause 3
    xdotool windowmap "$window" 2>/dev/null || true; pause 3
  fi
  if wanted animation; then phase=animation; key space; key t; pause 4; key t; fi
  # The first scene trained to its end and reflowed; by the end of the cycle the export is done.
  if wanted reflow; then phase=reflow; reflow; fi
  # The export (a 10 s MP4 at 720p) takes about two minutes here: it ends before the samples
  # that compare cycles are taken.
  phase=settle; pause 40
  phase=end; pause 6
  export_stamps+=" $(stat -c %Y "$out/saves/flow.mp4" 2>/dev/null || true)"
  (($(date +%s) < deadline)) && completed=$((cycle + 1))
  cycle=$((cycle + 1))
done
elapsed=$(($(date +%s) - start))
# An export still being written is let finish (up to 3 minutes), so the run shows it landed.
for _ in $(seq 180); do
  alive && compgen -G "$out/saves/.flow.mp4.partial-*" >/dev/null || break
  sleep 1
done
ffmpeg -loglevel error -y -f x11grab -video_size 1600x1000 -i "$display" -frames:v 1 "$out/last.png" || true

exited=""
if ! alive; then
  wait "$app" && exited=0 || exited=$?
fi
{
  echo "soak: $elapsed s, $completed complete cycles, output in $out"
  [[ -n $exited ]] && echo "FAIL: the window exited with status $exited during the soak"
  if grep -q "panicked" "$out/window.log"; then
    echo "FAIL: the window panicked:"; grep -m3 -A3 "panicked" "$out/window.log"
  fi
  exports=$(printf '%s\n' $export_stamps | sort -u | grep -c . || true)
  echo "exports written: $exports in $completed complete cycles"
  # The first and last completed cycle after the warm-up, compared at their "end" phase.
  warmup=$((minutes * 60 / 3 < 120 ? minutes * 60 / 3 : 120))
  awk -F, -v warmup="$warmup" -v last="$completed" '
    NR > 1 && $1 >= warmup && $3 == "end" && $2 < last {
      if (!(($2) in seen)) { seen[$2] = 1; n++ }
      if (first == "" || $2 == first) { first = $2; r0 = $4; f0 = $5; t0 = $6 }
      if ($2 >= lastc) { lastc = $2; r1 = $4; f1 = $5; t1 = $6 }
      end[$2] = $4
    }
    NR > 1 && $1 >= warmup { if ($4 > peak) peak = $4 }
    END {
      if (n < 2) { printf "bars: not judged (%d complete cycles after the %d s warm-up; need 2)\n", n, warmup; exit 0 }
      growth = 100 * (r1 - r0) / r0
      printf "resident memory: %.1f MiB (cycle %d) -> %.1f MiB (cycle %d): %+.1f%% (bar <= +5%%); peak %.1f MiB\n", r0/1024, first, r1/1024, lastc, growth, peak/1024
      printf "file descriptors: %d -> %d; threads: %d -> %d (bar: no growth)\n", f0, f1, t0, t1
      # The trend once the pools have filled: the middle cycle against the last (not the bar).
      mid = int((first + lastc) / 2)
      if (mid > first && (mid in end)) printf "second half: %.1f MiB (cycle %d) -> %.1f MiB (cycle %d): %+.1f%%\n", end[mid]/1024, mid, r1/1024, lastc, 100 * (r1 - end[mid]) / end[mid]
      exit (growth > 5 || f1 > f0 || t1 > t0) ? 3 : 0
    }' "$out/samples.csv" || echo "FAIL: a bar was missed"
} | tee "$out/summary.txt"
if grep -q FAIL "$out/summary.txt"; then exit 1; fi
exit 0
