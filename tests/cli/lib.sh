# The opening the CLI tests share, sourced first by each: the smsgated under test
# ($smsgated, the test's first argument), a temporary directory ($tmp) removed on exit
# after every process listed in $pids is stopped, fail and its count ($failures), the
# check of a refusal, and simulated modems.
set -u
smsgated=$1
failures=0
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

# A refusal as every command gives one: exit status 1, nothing on stdout and one line
# on stderr that holds STDERR_SUBSTRING ("" for any line). Standard input is the
# caller's, so a test that feeds a command redirects the call.
expect_error() {  # expect_error NAME STDERR_SUBSTRING -- ARGS...
  local name=$1 needle=$2
  shift 3
  local out err rc lines
  out=$("$smsgated" "$@" 2>"$tmp/err")
  rc=$?
  err=$(cat "$tmp/err")
  lines=$(printf '%s\n' "$err" | wc -l)
  if [[ $rc -ne 1 || -n "$out" || -z "$err" || "$lines" -ne 1 || "$err" != *"$needle"* ]]; then
    fail "$name: rc=$rc lines=$lines stdout='$out' stderr='$err' (wanted: $needle)"
  fi
}

start_sim() {  # start_sim DIR ARGS...: `smsgated sim` on DIR, its output in DIR.out and DIR.err
  local dir=$1
  shift
  "$smsgated" sim --dir "$dir" "$@" >"$dir.out" 2>"$dir.err" &
  sim_pid=$!
  pids+=("$sim_pid")
}

wait_sim() {  # wait_sim DIR: until its control socket is up
  for _ in $(seq 200); do
    grep -q '^control ' "$1.out" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "sim did not start: $(cat "$1.err")"
  exit 1
}
