#!/usr/bin/env bash
# Self-test of the SIPp scenarios in this folder, without Centrale: every scenario is run against a
# real peer on 127.0.0.1 (another SIPp scenario, a fake Centrale in selftest/, or Kamailio as a
# digest-authenticating registrar + proxy), including negative cases that must FAIL.
#
#   bash crates/sip/tests/scenarios/selftest.sh          # needs sipp (sip-tester) and kamailio
#
# Ports: 5080 (Kamailio), 5091 (UAS / phone), 5092 (UAC), media 6000-6200; loopback only.
# Every process is bounded by `timeout`; logs stay in $WORK (printed at the end).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/sipp-selftest.XXXXXX)
SIPP=${SIPP:-sipp}
KAMAILIO=${KAMAILIO:-kamailio}
COMMON=(-nostdin -trace_err -trace_msg -trace_logs -recv_timeout 10s)
pass=0
fail=0
failed_cases=()
KAM_PID=""

cleanup() {
  [ -n "$KAM_PID" ] && kill "$KAM_PID" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT

# Derived peers (sed over the real scenarios, so they stay in step with them).
mkdir -p "$WORK/derived"
for code in "404 Not Found" "480 Temporarily Unavailable" "488 Not Acceptable Here"; do
  sed "s/486 Busy Here/$code/" "$HERE/operator_reject_486.xml" > "$WORK/derived/reject_${code%% *}.xml"
done
# Centrale-like queue leg for CANCEL: 183 instead of 180.
sed 's/180 Ringing/183 Session Progress/' "$HERE/operator_never_answer.xml" > "$WORK/derived/fake_centrale_cancel.xml"
# carrier_call with the 183 made optional: a carrier calling a phone through a plain proxy.
sed 's/<recv response="183" rtd="pdd">/<recv response="183" rtd="pdd" optional="true">/' "$HERE/carrier_call.xml" > "$WORK/derived/carrier_call_no183.xml"

result() { # name expected_rc rc
  if [ "$2" = "$3" ]; then
    pass=$((pass + 1)); printf 'ok    %-58s (rc %s)\n' "$1" "$3"
  else
    fail=$((fail + 1)); failed_cases+=("$1"); printf 'FAIL  %-58s (rc %s, wanted %s) logs: %s\n' "$1" "$3" "$2" "$WORK/$1"
  fi
}

# pair NAME UAC_EXPECTED_RC "UAS args..." -- "UAC args..."
# Runs a SIPp UAS on 127.0.0.1:5091 and a SIPp UAC on 5092 against it; checks the UAC's exit code and,
# when the UAC is expected to pass, the UAS's exit code too (0).
pair() {
  local name=$1 want=$2; shift 2
  local uas=() uac=()
  while [ "$1" != "--" ]; do uas+=("$1"); shift; done; shift
  uac=("$@")
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && timeout 25 "$SIPP" "${uas[@]}" -i 127.0.0.1 -p 5091 -mi 127.0.0.1 -mp 6100 "${COMMON[@]}" \
      >uas.out 2>&1; echo $? >uas.rc) &
  local uas_job=$!
  sleep 0.4
  (cd "$WORK/$name" && timeout 25 "$SIPP" 127.0.0.1:5091 "${uac[@]}" -i 127.0.0.1 -p 5092 -mi 127.0.0.1 -mp 6000 \
      "${COMMON[@]}" >uac.out 2>&1; echo $? >uac.rc)
  local rc; rc=$(cat "$WORK/$name/uac.rc")
  if [ "$want" = 0 ]; then
    wait "$uas_job"; local urc; urc=$(cat "$WORK/$name/uas.rc")
    [ "$urc" != 0 ] && rc="uas:$urc"
  else
    # the peer of a failing call may wait for a message that never comes: end it
    pkill -TERM -P "$uas_job" 2>/dev/null
    wait "$uas_job" 2>/dev/null
  fi
  result "$name" "$want" "$rc"
}

# header NAME 'fixed string' : the UAS of case NAME received that header line
header() {
  if grep -qF -- "$2" "$WORK/$1"/*_messages.log 2>/dev/null; then
    pass=$((pass + 1)); printf 'ok    %-58s\n' "$1: saw '$2'"
  else
    fail=$((fail + 1)); failed_cases+=("$1 header"); printf 'FAIL  %-58s\n' "$1: no '$2'"
  fi
}

S=$HERE; T=$HERE/selftest; D=$WORK/derived
echo "== carrier scenarios against fake Centrale peers"
pair carrier_call 0             -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call.xml" -s +31852001001 -m 1 -d 300
pair carrier_call_diversion 0   -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call_diversion.xml" -s 0031852001001 -m 1
header carrier_call_diversion 'Diversion: <sip:+31201234567@carrier>;reason=unconditional'
pair carrier_call_history_info 0 -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call_history_info.xml" -s 31852001001 -m 1
header carrier_call_history_info 'History-Info: <sip:+31201234567@carrier>;index=1,<sip:31852001001@127.0.0.1;cause=302>;index=1.1;mp=1'
pair carrier_call_pai 0         -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call_pai.xml" -s 0852001001 -m 1 -set caller +31612345678
header carrier_call_pai 'P-Asserted-Identity: "Jan Jansen" <sip:+31612345678@carrier>'
pair carrier_call_anonymous 0   -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call_anonymous.xml" -s +31852001001 -m 1
header carrier_call_anonymous 'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag='
header carrier_call_anonymous 'Privacy: id'
pair carrier_call_caller_set 0  -sf "$T/fake_centrale.xml" -m 1 -- -sf "$S/carrier_call.xml" -s +31852001001 -m 1 -set caller +31201112222
header carrier_call_caller_set 'From: <sip:+31201112222@127.0.0.1>'
pair carrier_call_late_offer 0  -sf "$T/fake_centrale_late.xml" -m 1 -- -sf "$S/carrier_call_late_offer.xml" -s +31852001001 -m 1
pair carrier_cancel_queued 0    -sf "$D/fake_centrale_cancel.xml" -m 1 -- -sf "$S/carrier_cancel_queued.xml" -s +31852001001 -m 1 -d 300
pair carrier_expect_status_404 0 -sf "$D/reject_404.xml" -m 1 -- -sf "$S/carrier_expect_status.xml" -s +31850000000 -set expected 404 -m 1
pair carrier_expect_status_480 0 -sf "$D/reject_480.xml" -m 1 -- -sf "$S/carrier_expect_status.xml" -s +31852001001 -set expected 480 -m 1
pair carrier_no_common_codec 0  -sf "$D/reject_488.xml" -m 1 -- -sf "$S/carrier_no_common_codec.xml" -s +31852001001 -m 1
echo "== carrier against operator scenarios directly (server mode, no registration)"
pair hangs_up__operator_hangup 0 -sf "$S/operator_hangup.xml" -m 1 -d 300 -- -sf "$S/carrier_call_operator_hangs_up.xml" -s 1001 -m 1
pair no183__operator_answer_x2 0 -sf "$S/operator_answer.xml" -m 2 -d 100 -- -sf "$D/carrier_call_no183.xml" -s 1001 -m 2 -d 200
pair cancel__operator_never_answer 0 -sf "$S/operator_never_answer.xml" -m 1 -- -sf "$S/carrier_cancel_queued.xml" -s 1001 -m 1 -d 300
echo "== negative cases (the UAC must fail)"
pair NEG_expect_404_got_480 1   -sf "$D/reject_480.xml" -m 1 -- -sf "$S/carrier_expect_status.xml" -s +31852001001 -set expected 404 -m 1
pair NEG_no_codec_got_486 1     -sf "$S/operator_reject_486.xml" -m 1 -- -sf "$S/carrier_no_common_codec.xml" -s +31852001001 -m 1
pair NEG_carrier_call_no_183 1  -sf "$S/operator_answer.xml" -m 1 -- -sf "$S/carrier_call.xml" -s 1001 -m 1 -recv_timeout 3s
pair NEG_codec_g722_answered 1  -sf "$S/operator_answer.xml" -m 1 -- -sf "$S/carrier_expect_status.xml" -s 1001 -set expected 488 -m 1

echo "== operator scenarios registered at Kamailio (digest, realm centrale) and called through it"
mkdir -p "$WORK/kamailio"
timeout 300 "$KAMAILIO" -DD -E -f "$T/kamailio-registrar.cfg" -Y "$WORK/kamailio" >"$WORK/kamailio/kamailio.log" 2>&1 &
KAM_PID=$!
for _ in $(seq 50); do ss -Hlun 'sport = :5080' | grep -q . && break; sleep 0.1; done

phone() { # name want oocsf phone-extra-args -- carrier args
  local name=$1 want=$2 oocsf=$3; shift 3
  local pextra=() carrier=()
  while [ "$1" != "--" ]; do pextra+=("$1"); shift; done; shift
  carrier=("$@")
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && timeout 60 "$SIPP" 127.0.0.1:5080 -sf "$S/operator_phone.xml" -oocsf "$oocsf" -s 1001 -au 1001 \
      -ap sip-anna-1001 -i 127.0.0.1 -p 5091 -mi 127.0.0.1 -mp 6100 -m 1 "${pextra[@]}" "${COMMON[@]}" \
      >phone.out 2>&1; echo $? >phone.rc) &
  local job=$!
  sleep 0.6
  (cd "$WORK/$name" && timeout 60 "$SIPP" 127.0.0.1:5080 "${carrier[@]}" -s 1001 -i 127.0.0.1 -p 5092 -mi 127.0.0.1 \
      -mp 6000 "${COMMON[@]}" >carrier.out 2>&1; echo $? >carrier.rc)
  wait "$job"
  local rc; rc="$(cat "$WORK/$name/carrier.rc")/$(cat "$WORK/$name/phone.rc")"
  result "$name" "$want" "$rc"
}

reg() { # name want password
  mkdir -p "$WORK/$1"
  (cd "$WORK/$1" && timeout 20 "$SIPP" 127.0.0.1:5080 -sf "$S/operator_register.xml" -s 1001 -au 1001 -ap "$3" \
      -i 127.0.0.1 -p 5091 -m 1 "${COMMON[@]}" >reg.out 2>&1; echo $? >reg.rc)
  result "$1" "$2" "$(cat "$WORK/$1/reg.rc")"
}
reg operator_register 0 sip-anna-1001
reg NEG_operator_register_wrong_password 1 wrong-password
phone phone_answer_x2 0/0 "$S/operator_answer.xml" -set calls 2 -d 200 -- -sf "$D/carrier_call_no183.xml" -m 2 -d 300
phone phone_reject_486 0/0 "$S/operator_reject_486.xml" -- -sf "$S/carrier_expect_status.xml" -set expected 486 -m 1
phone phone_never_answer 0/0 "$S/operator_never_answer.xml" -- -sf "$S/carrier_cancel_queued.xml" -m 1 -d 500
phone phone_hangup 0/0 "$S/operator_hangup.xml" -d 500 -- -sf "$S/carrier_call_operator_hangs_up.xml" -m 1
phone NEG_phone_wait_expires 0/1 "$S/operator_answer.xml" -set calls 2 -set wait_s 2 -- -sf "$D/carrier_call_no183.xml" -m 1

echo
echo "logs: $WORK"
echo "selftest: $pass passed, $fail failed"
[ "$fail" = 0 ] || { printf '  failed: %s\n' "${failed_cases[@]}"; exit 1; }
