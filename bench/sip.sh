#!/usr/bin/env bash
# SIP benchmark of Centrale against Kamailio (the speed anchor), on loopback only. One command:
#
#   bash bench/sip.sh [both|kamailio|centrale]        (default: both; about 8-10 minutes)
#
# It builds Centrale (cargo build --release -p centrale-server), starts it itself in a temporary
# data directory (SQLite) pinned to core 0, seeds the demo clients, creates OPERATOR_COUNT operators
# (`centrale admin create-operators`), registers all of them from ONE SIPp process
# (bench/operator_phones.xml; every INVITE to any of them is auto-answered on the same socket by
# crates/sip/tests/scenarios/operator_answer.xml, which SIPp runs with -rtp_echo), and stops
# everything at the end. Kamailio runs the same way as before (tuned, core 0). SIPp, dumpcap and the
# helpers share core 1. Figures:
#  (a) Max rate: a SIPp UAC places 1 s calls (-d CALL_MS) for STEP_SECONDS at each rate, stopping at
#     the first rate with any failed call (or fewer successful calls than placed), then tries once
#     the midpoint between the last clean rate and the failing one. Reported: the highest clean rate.
#     Kamailio: UAC -> Kamailio -> SIPp uas. Centrale: carrier UAC (carrier_call.xml with a unique
#     calling number per call) -> Centrale -> the auto-answering operator phones. Centrale gives an
#     operator one call at a time and a missed call pauses her (production rules), so before every
#     step the harness waits for Centrale to be idle and every operator chooses "available" again
#     with her own API token (bench/centrale_ops.py available; the tokens come from
#     `centrale admin create-operators --tokens-file`, wrap-up is set to 0 s).
#  (b) Post-dial delay added, at half the max rate, measured on the wire: dumpcap captures only
#     INVITEs (and 183s) on lo with a BPF filter on the first payload bytes; the delay of a call is
#     the time from the INVITE entering the system under test to the INVITE it sends on (first copy
#     of each; bench/pdd.py reads the pcap). Kernel capture timestamps on lo are the send times, so
#     the figure is socket queueing + processing inside the system under test. p50 / p99 over all
#     calls of a STEP_SECONDS run.
#     - Kamailio: INVITE UAC->:5070 and INVITE :5070->UAS:5090 share the Call-ID.
#     - Centrale is a B2BUA (new Call-ID towards the operator); the legs are matched by the calling
#       number, which Centrale passes on in the From of the operator leg. The caller-side
#       INVITE -> 183 (matched by Call-ID) is reported too.
#  (c) Centrale, same run as (b): INVITE in (capture time) -> call.offered received over SSE
#     (GET /api/v1/events with an admin token; bench/centrale_ops.py sse stamps time.time() when an
#     event's data line arrives), matched by the caller number in the screen pop. Includes the
#     Python reader's own wake-up on the busy core 1.
#  (d) Centrale, bridged calls with RTP both ways: for each CONCURRENT level the carrier places that
#     many calls (carrier_call_audio.xml playing a generated 50 packets/s PCMA pcap for the whole
#     call), the phones echo every RTP packet back (-rtp_echo), so each leg carries 50 packets/s in
#     each direction. Once all calls are up, Centrale's CPU (utime+stime from /proc/PID/stat) and
#     read over RTP_WINDOW seconds; then a 2 s capture of RTP headers on lo counts packets/s per
#     call in each of the four directions (caller->Centrale, Centrale->operator, operator->Centrale,
#     Centrale->caller; 50 each at full rate). The carrier's RTP socket (never read) also counts
#     what reached the caller in its drop counter (/proc/net/udp), and centrale_rtp_packets_total
#     (/metrics, counted at call end) is compared after the step.
#     Reported: CPU % of one core, CPU ms per call-second, packets/s per call each way.
#  Kamailio runs tuned (TESTING.md): kamailio -DD -E -m 1024 -M 8 -x tlsf -X tlsf, children=1.
#
# Environment:
#   RATES="250 500 1000 2000 4000 8000"  STEP_SECONDS=10  CALL_MS=1000   (Kamailio's rate steps)
#   CENTRALE_RATES="50 100 200 400 800 1600"   Centrale's rate steps
#   BUDGET_SECONDS=200               rate search stops starting new steps after this (per target)
#   OPERATOR_COUNT=1200              operators created and registered (SIP users 3000...); a 1 s
#                                    call holds one for ~1.1 s, so this bounds the rate (~1000/s)
#   CONCURRENT="200 400 800"         concurrent bridged calls with RTP, (d); RTP_WINDOW=10 seconds
#   CENTRALE_SIP=127.0.0.1:5160      Centrale's SIP address (5160: a developer's demo may hold 5060)
#   CENTRALE_HTTP=127.0.0.1:18080    Centrale's HTTP address
#   CENTRALE_PIN=0                   core Centrale is pinned to ("" = not pinned)
#   OUT=/tmp/sip-bench.XXXX          where logs, CSVs, pcaps and Centrale's data directory go
#   DB=sqlite                        Centrale's database: sqlite (a file in OUT), postgres (a private
#                                    cluster started in OUT, durable: fsync on), or slow-postgres (the
#                                    same, with a trigger that makes every transaction writing the
#                                    calls table wait 50 ms: a database far slower than the calls)
#   BUILD=1                          0 = skip the cargo build and use the binary as it is
#   CARGO_TARGET_DIR                 respected when locating the built binary
set -u
MODE=${1:-both}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCEN=$ROOT/crates/sip/tests/scenarios
RATES=${RATES:-"250 500 1000 2000 4000 8000"}
STEP_SECONDS=${STEP_SECONDS:-10}
CENTRALE_RATES=${CENTRALE_RATES:-"50 100 200 400 800 1600"}
BUDGET_SECONDS=${BUDGET_SECONDS:-200}
CALL_MS=${CALL_MS:-1000}
OPERATOR_COUNT=${OPERATOR_COUNT:-1200}
CONCURRENT=${CONCURRENT:-"200 400 800"}
RTP_WINDOW=${RTP_WINDOW:-10}
CENTRALE_SIP=${CENTRALE_SIP:-127.0.0.1:5160}
CENTRALE_HTTP=${CENTRALE_HTTP:-127.0.0.1:18080}
CENTRALE_NUMBER=+31852001001   # the demo bakery's forwarding number
CENTRALE_PIN=${CENTRALE_PIN-0}
BUILD=${BUILD:-1}
DB=${DB:-sqlite}
case "$DB" in sqlite|postgres|slow-postgres) ;; *) echo "sip.sh: DB=$DB: expected sqlite, postgres or slow-postgres" >&2; exit 2 ;; esac
OUT=${OUT:-$(mktemp -d /tmp/sip-bench.XXXXXX)}
mkdir -p "$OUT"
PIDS=()

die() { echo "sip.sh: $*" >&2; exit 2; }
for t in sipp kamailio dumpcap python3 taskset ss awk curl; do
  command -v "$t" >/dev/null || die "missing $t (apt-get install -y sip-tester kamailio tshark curl; python3)"
done
case "$MODE" in centrale|both) command -v cargo >/dev/null || die "missing cargo";; esac
case "$CENTRALE_SIP" in 127.*) ;; *) die "CENTRALE_SIP must be a 127.x address";; esac
case "$CENTRALE_HTTP" in 127.*) ;; *) die "CENTRALE_HTTP must be a 127.x address";; esac

CENTRALE_PID=
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local p
  for p in "${PIDS[@]}" $CENTRALE_PID; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "$PG_DIR" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1
}
trap cleanup EXIT

bg() { # run a bounded background process, remember its pid
  "$@" &
  PIDS+=($!)
}
stop_bg() { # stop the background processes started with bg (not Centrale itself)
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  PIDS=()
}
wait_udp() { # port
  for _ in $(seq 50); do ss -Hlun "sport = :$1" | grep -q . && return 0; sleep 0.1; done
  return 1
}

csv_last() { # file column-name -> value in the last row
  awk -F';' -v col="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==col) c=i} END{print $c}' "$1"
}

# step LABEL TARGET RATE SCENARIO-ARGS... -> prints "rate ok|FAIL successful failed retrans"; rc 0 if clean
step() {
  local label=$1 target=$2 rate=$3; shift 3
  local n=$((rate * STEP_SECONDS))
  local stf="$OUT/$label-$rate.csv"
  rm -f "$stf"
  [ -n "${BEFORE_STEP:-}" ] && $BEFORE_STEP
  (cd "$OUT" && taskset -c 1 timeout $((STEP_SECONDS + 40)) sipp "$target" "$@" -i 127.0.0.1 -p 5095 -mi 127.0.0.1 -mp 7000 \
      -r "$rate" -m "$n" -d "$CALL_MS" -l $((rate * 6 + 100)) -recv_timeout 5s -buff_size 4194304 \
      -nostdin -trace_stat -stf "$stf" -fd 1 >"$OUT/$label-$rate.out" 2>&1)
  local rc=$?
  local ok fail retr
  ok=$(csv_last "$stf" 'SuccessfulCall(C)' 2>/dev/null); fail=$(csv_last "$stf" 'FailedCall(C)' 2>/dev/null)
  retr=$(csv_last "$stf" 'Retransmissions(C)' 2>/dev/null)
  ok=${ok:-0}; fail=${fail:-?}; retr=${retr:-?}
  local verdict=FAIL
  [ "$rc" = 0 ] && [ "$fail" = 0 ] && [ "$ok" = "$n" ] && verdict=ok
  printf '  %-9s %6s calls/s x %ss: %-4s successful %s/%s failed %s retransmissions %s (sipp rc %s)\n' \
    "$label" "$rate" "$STEP_SECONDS" "$verdict" "$ok" "$n" "$fail" "$retr" "$rc" >&2
  sleep 3   # let the UAS's timewait and any backlog drain before the next step
  [ "$verdict" = ok ]
}

# find_max LABEL TARGET SCENARIO-ARGS... -> echoes "highest-clean-rate lowest-failing-rate" (0 = none)
find_max() {
  local label=$1 target=$2; shift 2
  local best=0 bad=0 r t0=$SECONDS
  for r in $STEP_RATES; do
    if [ $((SECONDS - t0)) -gt "$BUDGET_SECONDS" ]; then
      echo "  (time budget of ${BUDGET_SECONDS}s for the rate search used up; stopping at $best calls/s)" >&2; break
    fi
    if step "$label" "$target" "$r" "$@"; then best=$r; else bad=$r; break; fi
  done
  if [ "$bad" != 0 ] && [ "$best" != 0 ]; then
    local mid=$(((best + bad) / 2))
    if [ "$mid" -gt "$best" ]; then
      if step "$label" "$target" "$mid" "$@"; then best=$mid; else bad=$mid; fi
    fi
  fi
  echo "$best $bad"
}

# capture FILE BPF-FILTER -> starts dumpcap (core 1) in the background
capture() {
  bg taskset -c 1 timeout $((STEP_SECONDS + 60)) dumpcap -q -P -i lo -B 64 -s 1500 -f "$2" -w "$1" 2>"$1.log"
  sleep 1.5
}
BPF_INVITE='udp[8:4] = 0x494e5649'                                      # "INVI"
BPF_183='(udp[8:4] = 0x5349502f and udp[16:2] = 0x3138 and udp[18:1] = 0x33)' # "SIP/" .. "183"

declare -A RESULT

bench_kamailio() {
  echo "== Kamailio $(kamailio -v | head -1 | awk '{print $3}') (tuned, core 0) <- SIPp uac (core 1) -> SIPp uas :5090 (core 1)"
  mkdir -p "$OUT/kamailio-run"
  bg taskset -c 1 timeout 900 sipp -sn uas -i 127.0.0.1 -p 5090 -mi 127.0.0.1 -mp 7100 -buff_size 4194304 -nostdin \
      >"$OUT/uas.out" 2>&1
  bg taskset -c 0 timeout 900 kamailio -DD -E -m 1024 -M 8 -x tlsf -X tlsf -f "$ROOT/bench/kamailio.cfg" \
      -Y "$OUT/kamailio-run" >"$OUT/kamailio.log" 2>&1
  wait_udp 5070 || die "kamailio did not start: $(tail -3 "$OUT/kamailio.log")"
  wait_udp 5090 || die "sipp uas did not start"
  local max bad; STEP_RATES=$RATES; read -r max bad < <(find_max kamailio 127.0.0.1:5070 -sn uac -s bench)
  RESULT[kam_max]=$max
  if [ "$bad" -gt 0 ]; then
    # control: the same SIPp pair without the proxy at the failing rate. If this fails too, the
    # limit found is the load generator's (SIPp on one shared core), not Kamailio's.
    if step direct 127.0.0.1:5090 "$bad" -sn uac -s bench; then
      RESULT[kam_ctl]="SIPp alone is clean at $bad calls/s: the limit is Kamailio's"
    else
      RESULT[kam_ctl]="SIPp alone also fails at $bad calls/s: the limit is the load generator's (Kamailio is at least this fast)"
    fi
    echo "  control: ${RESULT[kam_ctl]}"
  fi
  if [ "$max" -gt 0 ]; then
    local half=$((max / 2))
    local pcap="$OUT/kamailio-pdd.pcap"
    capture "$pcap" "(udp port 5070 or udp port 5090) and $BPF_INVITE"
    step kamailio-pdd 127.0.0.1:5070 "$half" -sn uac -s bench || echo "  (the half-rate run had failures)" >&2
    stop_capture
    local _m n p50 p99
    read -r _m n p50 p99 < <(python3 "$ROOT/bench/pdd.py" proxy "$pcap" 5070)
    RESULT[kam_pdd]="$p50 $p99"; RESULT[kam_pdd_n]=$n; RESULT[kam_half]=$half
  fi
  stop_bg
  : "${RESULT[kam_pdd]:=n/a n/a}"
  echo "Kamailio: max clean rate ${RESULT[kam_max]} calls/s; INVITE in->out at ${RESULT[kam_half]:-?} calls/s:" \
       "p50 ${RESULT[kam_pdd]% *} ms, p99 ${RESULT[kam_pdd]#* } ms (n=${RESULT[kam_pdd_n]:-0})"
}
stop_capture() { # dumpcap is the last process started by capture(): stop it and let it flush
  local last=$((${#PIDS[@]} - 1))
  sleep 1; kill "${PIDS[$last]}" 2>/dev/null; wait "${PIDS[$last]}" 2>/dev/null
  unset "PIDS[$last]"; PIDS=("${PIDS[@]}")
}

# --- Centrale -------------------------------------------------------------------------------------
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/centrale
HTTP=http://$CENTRALE_HTTP
OP_PASSWORD=bench-operator-2026
metric() { # name -> value from /metrics (sum over labels), 0 if absent
  curl -s --max-time 5 "$HTTP/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%d\n", s }'
}
wait_http() { for _ in $(seq 100); do curl -sf --max-time 2 "$HTTP/healthz" >/dev/null && return 0; sleep 0.2; done; return 1; }
port_free() { ! ss -Hlun "sport = :$1" | grep -q . && ! ss -Hltn "sport = :$1" | grep -q .; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$CENTRALE_PID/stat"; }
udp_drops() { # local port -> drops counted on sockets bound to it (/proc/net/udp)
  awk -v p="$(printf ':%04X' "$1")" 'index($2, p) == length($2) - 4 { d += $NF } END { printf "%d\n", d }' /proc/net/udp
}
stop_pid() { # stop one background process started with bg
  local p=$1 keep=() q
  kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
  for q in "${PIDS[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
  PIDS=("${keep[@]}")
}

# Before every Centrale step: wait until no call is left from the last one (a failed step leaves
# dialogs waiting for their ACK for 32 s), then every operator chooses "available" again.
centrale_ready() {
  local i
  for i in $(seq 90); do [ "$(metric centrale_active_calls)" = 0 ] && break; sleep 0.5; done
  [ "$i" = 90 ] && echo "  (Centrale still had $(metric centrale_active_calls) calls after 45 s)" >&2
  python3 "$ROOT/bench/centrale_ops.py" available "$HTTP" "$OUT/operators.txt" >"$OUT/available.out" 2>&1 ||
    echo "  (not every operator could go available: $(cat "$OUT/available.out"))" >&2
}

# A private PostgreSQL cluster in OUT on port 5499 (durable), with database centrale.
start_postgres() {
  [ -x "$PG_BIN/initdb" ] || die "DB=$DB needs PostgreSQL (apt-get install -y postgresql)"
  port_free 5499 || die "port 5499 is in use"
  PG_DIR=$OUT/pg; mkdir -p "$PG_DIR"; [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U centrale -A trust -E UTF8 >/dev/null || die "initdb failed"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=5499 -c unix_socket_directories=$PG_DIR" start >/dev/null ||
    die "PostgreSQL did not start: $(tail -3 "$PG_DIR/log")"
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p 5499 -U centrale centrale || die "createdb failed"
  echo 'database_url = "postgres://centrale@127.0.0.1:5499/centrale"' >>"$OUT/centrale.toml"
  echo "  PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:5499 (data in $PG_DIR)"
}

# Every transaction that writes the calls table waits 50 ms once (a slow disk or a far server).
slow_down_postgres() {
  as_postgres "$PG_BIN/psql" -q -h 127.0.0.1 -p 5499 -U centrale centrale <<'SQL' || die "cannot slow PostgreSQL down"
CREATE FUNCTION bench_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('bench.slept', true) IS DISTINCT FROM 'yes' THEN
    PERFORM pg_sleep(0.05);
    PERFORM set_config('bench.slept', 'yes', true);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bench_slow AFTER INSERT OR UPDATE ON calls FOR EACH STATEMENT EXECUTE FUNCTION bench_slow();
SQL
  echo "  PostgreSQL slowed down: 50 ms for each transaction that writes calls"
}

start_centrale() {
  if [ "$BUILD" = 1 ]; then
    echo "  building: cargo build --release -p centrale-server (log: $OUT/build.log)"
    (cd "$ROOT" && cargo build --release -p centrale-server) >"$OUT/build.log" 2>&1 ||
      die "the build failed: $(tail -5 "$OUT/build.log")"
  else
    echo "  BUILD=0: using $BIN as it is ($(stat -c %y "$BIN" | cut -d. -f1))"
  fi
  local port
  for port in "${CENTRALE_SIP##*:}" "${CENTRALE_HTTP##*:}" 5095 5101 7000 7200; do
    port_free "$port" || die "port $port is in use on this machine (set CENTRALE_SIP / CENTRALE_HTTP): $(ss -Hlunpt "sport = :$port" | head -1)"
  done
  cat >"$OUT/centrale.toml" <<TOML
# bench/sip.sh: no wrap-up between calls, ports for thousands of calls; the caps that keep
# one trunk from filling the bureau (200 calls, 50 waiting by default) would be the limit
# measured, so they are raised above what the load generator can reach
wrap_up_secs = 0
rtp_port_min = 20000
rtp_port_max = 59999
max_calls_per_trunk = 20000
max_queue_length = 20000
TOML
  [ "$DB" != sqlite ] && start_postgres
  CFLAGS=(--config "$OUT/centrale.toml" --data-dir "$OUT/data" --sip-listen "$CENTRALE_SIP" --http-listen "$CENTRALE_HTTP")
  # 1. the demo seeds the clients (and the admin) into the empty database; stop it again
  RUST_LOG=warn "$BIN" "${CFLAGS[@]}" demo --summary-json "$OUT/demo.json" >"$OUT/centrale-demo.log" 2>&1 &
  local demo=$!
  wait_http || { kill "$demo"; die "centrale demo did not start: $(tail -3 "$OUT/centrale-demo.log")"; }
  kill "$demo"; wait "$demo" 2>/dev/null
  [ "$DB" = slow-postgres ] && slow_down_postgres
  # 2. the operators, with a token each
  "$BIN" "${CFLAGS[@]}" admin create-operators --count "$OPERATOR_COUNT" --first-sip-user 3000 \
      --password "$OP_PASSWORD" --tokens-file "$OUT/operators.txt" >"$OUT/create-operators.out" 2>&1 ||
    die "create-operators failed: $(cat "$OUT/create-operators.out")"
  echo "  $(cat "$OUT/create-operators.out")"
  # 3. serve (RUST_LOG=warn: rsipstack logs every packet at info)
  local pin=(); [ -n "$CENTRALE_PIN" ] && pin=(taskset -c "$CENTRALE_PIN")
  RUST_LOG=warn "${pin[@]}" "$BIN" "${CFLAGS[@]}" serve >"$OUT/centrale.log" 2>&1 &
  CENTRALE_PID=$!
  wait_http || die "centrale serve did not start: $(tail -3 "$OUT/centrale.log")"
  echo "  centrale serve pid $CENTRALE_PID${CENTRALE_PIN:+, pinned to core $CENTRALE_PIN}; SIP $CENTRALE_SIP, HTTP $HTTP; log $OUT/centrale.log"
  ADMIN_TOKEN=$(curl -s -X POST "$HTTP/api/v1/auth/token" -H 'content-type: application/json' \
      -d '{"email":"admin@demo.centrale.test","password":"demo-admin-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
    die "cannot log in as the demo admin"
  # 4. all phones from one SIPp process (-rtp_echo: the phones send back every RTP packet, for (d)),
  #    registering at 100/s (-l: all of them stay up at once): they share one address, and more digest checks in flight from one
  #    address than the throttle allows (core::throttle, 5) block it like a guesser would be.
  { echo SEQUENTIAL; awk -F';' -v p="$OP_PASSWORD" '{ print $1 ";" p }' "$OUT/operators.txt"; } >"$OUT/users.csv"
  { echo SEQUENTIAL; seq -f '+3161%07g' 0 199999; } >"$OUT/callers.csv"   # unique per call within a run
  mkdir -p "$OUT/phones"
  bg bash -c "cd '$OUT/phones' && exec taskset -c 1 timeout 1800 sipp '$CENTRALE_SIP' -sf '$ROOT/bench/operator_phones.xml' \
      -oocsf '$SCEN/operator_answer.xml' -inf '$OUT/users.csv' -i 127.0.0.1 -p 5101 -mi 127.0.0.1 -mp 7200 -rtp_echo \
      -m $OPERATOR_COUNT -l $OPERATOR_COUNT -r 100 -set hold_s 1700 -buff_size 8388608 -nostdin -trace_err -trace_logs >phones.out 2>&1"
  local n=0
  for _ in $(seq 120); do
    n=$(cat "$OUT"/phones/operator_phones_*_logs.log 2>/dev/null | grep -c ' registered$')
    [ "$n" -ge "$OPERATOR_COUNT" ] && break; sleep 0.5
  done
  [ "$n" -ge "$OPERATOR_COUNT" ] || die "only $n of $OPERATOR_COUNT operator phones registered (see $OUT/phones)"
  echo "  $n operator phones registered from one SIPp process (127.0.0.1:5101)"
  centrale_ready
  echo "  operators available: $(cat "$OUT/available.out")"
}

# (d): CONC concurrent bridged calls with RTP both ways; prints
# "conc ok|FAIL cpu_pct cpu_ms_per_call_second a/b/c/d" (packets/s per call in the four directions)
rtp_step() {
  local conc=$1 rate=200 hz; hz=$(getconf CLK_TCK)
  local ramp=$(((conc + rate - 1) / rate)) settle=3
  local hold=$((ramp + settle + RTP_WINDOW + 4))
  python3 "$ROOT/bench/centrale_ops.py" pcap "$OUT/rtp50-$hold.pcap" $((hold + 2)) || die "cannot write the RTP pcap"
  sed -e "s#/usr/share/sip-tester/g711a.pcap#$OUT/rtp50-$hold.pcap#" -e 's/\[\$caller\]/[field0]/g' -e 's/\[\$rtp_port\]/[media_port]/g' -e '/assign_to="rtp_port" value=/d' \
      "$SCEN/carrier_call_audio.xml" >"$OUT/carrier_call_rtp.xml"
  centrale_ready
  local stf="$OUT/rtp-$conc.csv"; rm -f "$stf"
  (cd "$OUT" && exec taskset -c 1 timeout $((hold + 60)) sipp "$CENTRALE_SIP" -sf "$OUT/carrier_call_rtp.xml" \
      -inf "$OUT/callers.csv" -s "$CENTRALE_NUMBER" -i 127.0.0.1 -p 5095 -mi 127.0.0.1 -mp 7000 -r "$rate" -m "$conc" -l "$conc" \
      -d $((hold * 1000)) -recv_timeout 20s -buff_size 4194304 -nostdin -trace_stat -stf "$stf" -fd 1 \
      >"$OUT/rtp-$conc.out" 2>&1) &
  local sipp_pid=$! i up=0
  for i in $(seq $(((ramp + 10) * 4))); do
    up=$(metric centrale_active_calls)
    [ "$up" -ge "$conc" ] && break; sleep 0.25
  done
  sleep "$settle"
  local c0 d0 c1 d1 a1 r0 r1
  r0=$(metric centrale_rtp_packets_total)   # counted when a call ends: compared after the step
  c0=$(cpu_ticks); d0=$(udp_drops 7000)
  sleep "$RTP_WINDOW"
  c1=$(cpu_ticks); d1=$(udp_drops 7000); a1=$(metric centrale_active_calls)
  # then 2 s of RTP headers on lo, to count packets/s in each of the four directions
  taskset -c 1 timeout 20 dumpcap -q -P -i lo -B 128 -s 64 -a duration:2 -f 'udp and (port 7000 or port 7200)' \
      -w "$OUT/rtp-$conc.pcap" 2>"$OUT/rtp-$conc.pcap.log"
  local dirs; dirs=$(python3 "$ROOT/bench/centrale_ops.py" rtp-rates "$OUT/rtp-$conc.pcap" 7000 7200)
  wait "$sipp_pid"; local rc=$?
  for i in $(seq 60); do [ "$(metric centrale_active_calls)" = 0 ] && break; sleep 0.5; done
  r1=$(metric centrale_rtp_packets_total)
  local ok fail; ok=$(csv_last "$stf" 'SuccessfulCall(C)' 2>/dev/null); fail=$(csv_last "$stf" 'FailedCall(C)' 2>/dev/null)
  awk -v conc="$conc" -v up="$up" -v a1="$a1" -v w="$RTP_WINDOW" -v hz="$hz" -v dc=$((c1 - c0)) -v dd=$((d1 - d0)) \
      -v dr=$((r1 - r0)) -v hold="$hold" -v dirs="$dirs" -v ok="${ok:-0}" -v fail="${fail:-?}" -v rc="$rc" \
      -v caplog="$(grep -o 'Packets received/dropped.*' "$OUT/rtp-$conc.pcap.log" | tail -1)" 'BEGIN {
    cpu = dc / hz / w * 100; split(dirs, d, " ");
    printf "  rtp       %4d calls (%d up at the start of the window, %d at its end): Centrale CPU %.1f%% of a core = %.3f%% per call = %.3f ms CPU per call-second; RTP packets/s per call: caller->Centrale %.1f, Centrale->operator %.1f, operator->Centrale %.1f, Centrale->caller %.1f (2 s capture; %s), Centrale->caller by the socket drop counter %.1f; centrale_rtp_packets_total %.1f per call-second of hold; calls successful %s/%d failed %s (sipp rc %s)\n",
      conc, up, a1, cpu, cpu / conc, dc / hz * 1000 / (conc * w), d[1] / conc, d[2] / conc, d[3] / conc, d[4] / conc, caplog, dd / w / conc, dr / (conc * hold), ok, conc, fail, rc > "/dev/stderr";
    if (d[1] / conc < 45) printf "  (the carrier sent only %.1f of 50 packets/s per call: the load generator (SIPp on core 1) is the limit at %d calls, not Centrale)\n", d[1] / conc, conc > "/dev/stderr";
    printf "%d %s %.1f %.3f %.0f/%.0f/%.0f/%.0f\n", conc, (ok == conc && fail == 0 && rc == 0 && a1 >= conc) ? "ok" : "FAIL", cpu, dc / hz * 1000 / (conc * w),
      d[1] / conc, d[2] / conc, d[3] / conc, d[4] / conc }'
}

bench_centrale() {
  echo "== Centrale (core ${CENTRALE_PIN:-any}) <- SIPp carrier (core 1) -> $OPERATOR_COUNT auto-answering operator phones (one SIPp, core 1)"
  start_centrale
  local port=${CENTRALE_SIP##*:}
  # a unique, valid calling number per call (Centrale keeps only valid E.164 numbers, else
  # "anonymous"): +316 1xxxxxxx, taken in turn from an injection file
  sed 's/\[\$caller\]/[field0]/g' "$SCEN/carrier_call.xml" >"$OUT/carrier_call_bench.xml"
  local max bad
  BEFORE_STEP=centrale_ready; STEP_RATES=$CENTRALE_RATES
  read -r max bad < <(find_max centrale "$CENTRALE_SIP" -sf "$OUT/carrier_call_bench.xml" -inf "$OUT/callers.csv" -s "$CENTRALE_NUMBER")
  RESULT[cen_max]=$max; RESULT[cen_bad]=$bad
  [ "$max" = 0 ] && echo "  no clean step: lower CENTRALE_RATES (see the header)" >&2
  [ "$max" -gt 0 ] && [ $((max * 13 / 10)) -gt "$OPERATOR_COUNT" ] &&
    echo "  NOTE: at $max calls/s the $OPERATOR_COUNT operators are nearly all busy: raise OPERATOR_COUNT to see Centrale's own limit" >&2
  if [ "$max" -gt 0 ]; then
    local half=$((max / 2)); [ "$half" -lt 1 ] && half=1
    local pcap="$OUT/centrale-pdd.pcap" sse="$OUT/centrale-sse.txt"
    centrale_ready
    rm -f "$sse"
    bg taskset -c 1 timeout $((STEP_SECONDS + 90)) python3 "$ROOT/bench/centrale_ops.py" sse "$HTTP" "$ADMIN_TOKEN" "$sse"
    local sse_pid=${PIDS[$((${#PIDS[@]} - 1))]}
    capture "$pcap" "(udp port $port or udp port 5101) and ($BPF_INVITE or $BPF_183)"
    BEFORE_STEP= step centrale-pdd "$CENTRALE_SIP" "$half" -sf "$OUT/carrier_call_bench.xml" -inf "$OUT/callers.csv" -s "$CENTRALE_NUMBER" ||
      echo "  (the half-rate run had failures)" >&2
    stop_capture
    stop_pid "$sse_pid"
    local _m n p50 p99 n183 p50_183 p99_183 nsse p50_sse p99_sse
    { read -r _m n p50 p99; read -r _m n183 p50_183 p99_183; read -r _m nsse p50_sse p99_sse; } < \
      <(python3 "$ROOT/bench/pdd.py" b2bua "$pcap" "$port" 5095 "$sse")
    RESULT[cen_pdd]="$p50 $p99"; RESULT[cen_pdd_n]=$n; RESULT[cen_half]=$half
    RESULT[cen_183]="$p50_183 $p99_183"; RESULT[cen_183_n]=$n183
    RESULT[cen_sse]="$p50_sse $p99_sse"; RESULT[cen_sse_n]=$nsse
  fi
  : "${RESULT[cen_pdd]:=n/a n/a}" "${RESULT[cen_183]:=n/a n/a}" "${RESULT[cen_sse]:=n/a n/a}"
  echo "Centrale: max clean rate ${RESULT[cen_max]} calls/s; at ${RESULT[cen_half]:-?} calls/s:" \
       "INVITE in->out (to operator) p50 ${RESULT[cen_pdd]% *} ms, p99 ${RESULT[cen_pdd]#* } ms (n=${RESULT[cen_pdd_n]:-0});" \
       "INVITE->183 p50 ${RESULT[cen_183]% *} ms, p99 ${RESULT[cen_183]#* } ms (n=${RESULT[cen_183_n]:-0});" \
       "INVITE in->call.offered over SSE p50 ${RESULT[cen_sse]% *} ms, p99 ${RESULT[cen_sse]#* } ms (n=${RESULT[cen_sse_n]:-0})"
  # (d) concurrent bridged calls with RTP both ways
  local conc line; RESULT[cen_rtp]=""
  for conc in $CONCURRENT; do
    if [ "$conc" -gt "$OPERATOR_COUNT" ]; then echo "  ($conc concurrent calls need as many operators; skipped)" >&2; continue; fi
    line=$(rtp_step "$conc"); RESULT[cen_rtp]+="$line"$'\n'
    case "$line" in *FAIL*) break ;; esac
  done
  stop_bg
  local errors; errors=$(grep -c ' ERROR ' "$OUT/centrale.log")
  RESULT[cen_log]="$errors ERROR lines, $(grep -c ' WARN ' "$OUT/centrale.log") WARN lines in $OUT/centrale.log"
  echo "Centrale log: ${RESULT[cen_log]}"
  [ "$errors" -gt 0 ] && grep ' ERROR ' "$OUT/centrale.log" | sed -E 's/^[^ ]+ +//; s/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/<id>/g' |
    sort | uniq -c | sort -rn | head -5 | sed 's/^/    /'
  kill "$CENTRALE_PID" 2>/dev/null; wait "$CENTRALE_PID" 2>/dev/null; CENTRALE_PID=
}

echo "sip.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores; DB=$DB; Kamailio rates: $RATES; Centrale rates: $CENTRALE_RATES; ${STEP_SECONDS}s steps; ${CALL_MS} ms calls; logs in $OUT"
START=$SECONDS
read -r L1 _ < /proc/loadavg
echo "load average before start: $L1 ($(nproc) cores)"
awk -v l="$L1" 'BEGIN{exit !(l > 0.5)}' && echo "WARNING: the machine is busy (load $L1); other processes compete for both cores and the figures will be low"
case "$MODE" in
  kamailio) bench_kamailio ;;
  centrale) bench_centrale ;;
  both) bench_kamailio; bench_centrale ;;
  *) die "usage: bench/sip.sh [both|kamailio|centrale]" ;;
esac
read -r L2 _ < /proc/loadavg
echo
echo "== summary ($((SECONDS - START)) s; load average at start $L1, at end $L2)"
printf '%-10s %12s %28s %28s\n' target "(a) calls/s" "(b) INVITE in->out p50" "(b) INVITE in->out p99"
[ -n "${RESULT[kam_max]:-}" ] && printf '%-10s %12s %22s ms %19s ms   at %s calls/s\n' kamailio "${RESULT[kam_max]}" \
  "${RESULT[kam_pdd]% *}" "${RESULT[kam_pdd]#* }" "${RESULT[kam_half]:-?}"
if [ -n "${RESULT[cen_max]:-}" ]; then
  printf '%-10s %12s %22s ms %19s ms   at %s calls/s\n' centrale "${RESULT[cen_max]}" \
    "${RESULT[cen_pdd]% *}" "${RESULT[cen_pdd]#* }" "${RESULT[cen_half]:-?}"
  if [ -n "${RESULT[kam_max]:-}" ] && [ "${RESULT[kam_max]}" -gt 0 ]; then
    awk -v cm="${RESULT[cen_max]}" -v km="${RESULT[kam_max]}" -v cp="${RESULT[cen_pdd]}" -v kp="${RESULT[kam_pdd]:-}" 'BEGIN{
      split(cp, c, " "); split(kp, k, " ");
      printf "%-10s %11.3fx", "ratio", cm / km;
      if (c[1] ~ /^[0-9.]+$/ && k[1] > 0) printf " %21.2fx %21.2fx", c[1] / k[1], c[2] / k[2]; else printf " %22s %22s", "n/a", "n/a";
      print "   (Centrale / Kamailio)";
      printf "goal: at least Kamailio'"'"'s calls/s: %s; under 1 ms added at p99 at half load: %s\n",
        (cm >= km ? "MET" : "NOT MET"), (c[2] ~ /^[0-9.]+$/ && c[2] < 1 ? "MET" : "NOT MET") }'
  fi
  echo "centrale   INVITE -> 183 to the caller: p50 ${RESULT[cen_183]% *} ms, p99 ${RESULT[cen_183]#* } ms (n=${RESULT[cen_183_n]:-0})"
  echo "centrale   (c) INVITE in -> call.offered over SSE: p50 ${RESULT[cen_sse]% *} ms, p99 ${RESULT[cen_sse]#* } ms (n=${RESULT[cen_sse_n]:-0})"
  if [ -n "${RESULT[cen_rtp]:-}" ]; then
    printf 'centrale   (d) %-11s %-6s %-12s %-20s %s\n' "concurrent" clean "CPU % core" "CPU ms/call-second" \
      "RTP pkt/s per call: caller->C / C->operator / operator->C / C->caller (50 each = full rate)"
    printf '%s' "${RESULT[cen_rtp]}" | while read -r c ok cpu ms dirs; do
      printf '               %-11s %-6s %-12s %-20s %s\n' "$c" "$ok" "$cpu" "$ms" "$dirs"
    done
  fi
  echo "centrale   ${RESULT[cen_log]:-}"
fi
# a requested target that could not be measured is an error (exit 3), so CI or a person notices
case "${RESULT[cen_max]:-x}" in 0) exit 3 ;; esac
exit 0
