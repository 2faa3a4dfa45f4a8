#!/usr/bin/env bats
# va-track: golden cases in testdata/va-track/ (made by its make-cases)
# against tests/standin/carriers.py, and behaviour tests.

load helpers
bats_require_minimum_version 1.5.0

# track_case CASE: run_case with the carriers stand-in running, started
# with the arguments in the case's "standin" file; its request log is
# compared with the case's "requests".
start_carriers() {
	local pf=$BATS_TEST_TMPDIR/carriers.port
	rm -f "$pf" "$BATS_TEST_TMPDIR/carriers.log"
	# shellcheck disable=SC2086
	python3 "$TOP/tests/standin/carriers.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/carriers.log" "$@" &
	CARRIERS_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	VA_TEST_PORT=$(cat "$pf")
	export VA_TEST_PORT
}

stop_carriers() {
	kill "$CARRIERS_PID" 2>/dev/null || true
	wait "$CARRIERS_PID" 2>/dev/null || true
	CARRIERS_PID=
}

# A test that failed half way does not leave its stand-in running (it
# would hold bats's output open).
teardown() {
	if [ -n "${CARRIERS_PID:-}" ]; then
		stop_carriers
	fi
}

track_case() {
	local dir=$TESTDATA/va-track/$1 rc=0 args=
	[ -f "$dir/standin" ] && args=$(cat "$dir/standin")
	# shellcheck disable=SC2086
	start_carriers $args
	run_case va-track "$1" || rc=$?
	stop_carriers
	touch "$BATS_TEST_TMPDIR/carriers.log"
	if [ -f "$dir/requests" ]; then
		if [ "${VA_GOLDEN:-}" = 1 ]; then
			cp "$BATS_TEST_TMPDIR/carriers.log" "$dir/requests"
		else
			diff -u "$dir/requests" "$BATS_TEST_TMPDIR/carriers.log" ||
			    rc=1
		fi
	fi
	return $rc
}

# env for the behaviour tests below
track_env() {
	export VA_DB=$BATS_TEST_TMPDIR/va.db
	export VA_UPS_CLIENT_ID=ups-id VA_UPS_CLIENT_SECRET=ups-secret
	export VA_FEDEX_CLIENT_ID=fedex-id VA_FEDEX_CLIENT_SECRET=fedex-secret
	export VA_USPS_CLIENT_ID=usps-id VA_USPS_CLIENT_SECRET=usps-secret
	export VA_DHL_API_KEY=dhl-key VA_TRACK_DHL_RATE=100
	local c
	for c in ups fedex dhl usps; do
		export "VA_TRACK_$(echo $c | tr a-z A-Z)_URL=http://127.0.0.1:$VA_TEST_PORT/$c"
	done
}

@test "va-track: ups ok" { track_case ups-ok; }
@test "va-track: ups not-found" { track_case ups-not-found; }
@test "va-track: ups bad-credentials" { track_case ups-bad-credentials; }
@test "va-track: ups rate-limited" { track_case ups-rate-limited; }
@test "va-track: ups rate-limited-long" { track_case ups-rate-limited-long; }
@test "va-track: ups timeout" { track_case ups-timeout; }
@test "va-track: ups malformed" { track_case ups-malformed; }
@test "va-track: ups wrong-shape" { track_case ups-wrong-shape; }
@test "va-track: ups server-error" { track_case ups-server-error; }
@test "va-track: fedex ok" { track_case fedex-ok; }
@test "va-track: fedex not-found" { track_case fedex-not-found; }
@test "va-track: fedex bad-credentials" { track_case fedex-bad-credentials; }
@test "va-track: fedex rate-limited" { track_case fedex-rate-limited; }
@test "va-track: fedex rate-limited-long" { track_case fedex-rate-limited-long; }
@test "va-track: fedex timeout" { track_case fedex-timeout; }
@test "va-track: fedex malformed" { track_case fedex-malformed; }
@test "va-track: fedex wrong-shape" { track_case fedex-wrong-shape; }
@test "va-track: fedex server-error" { track_case fedex-server-error; }
@test "va-track: dhl ok" { track_case dhl-ok; }
@test "va-track: dhl not-found" { track_case dhl-not-found; }
@test "va-track: dhl bad-credentials" { track_case dhl-bad-credentials; }
@test "va-track: dhl rate-limited" { track_case dhl-rate-limited; }
@test "va-track: dhl rate-limited-long" { track_case dhl-rate-limited-long; }
@test "va-track: dhl timeout" { track_case dhl-timeout; }
@test "va-track: dhl malformed" { track_case dhl-malformed; }
@test "va-track: dhl wrong-shape" { track_case dhl-wrong-shape; }
@test "va-track: dhl server-error" { track_case dhl-server-error; }
@test "va-track: usps ok" { track_case usps-ok; }
@test "va-track: usps not-found" { track_case usps-not-found; }
@test "va-track: usps bad-credentials" { track_case usps-bad-credentials; }
@test "va-track: usps rate-limited" { track_case usps-rate-limited; }
@test "va-track: usps rate-limited-long" { track_case usps-rate-limited-long; }
@test "va-track: usps timeout" { track_case usps-timeout; }
@test "va-track: usps malformed" { track_case usps-malformed; }
@test "va-track: usps wrong-shape" { track_case usps-wrong-shape; }
@test "va-track: usps server-error" { track_case usps-server-error; }
@test "va-track: ups token expiry renews the token" { track_case ups-token-expiry; }
@test "va-track: fedex token expiry renews the token" { track_case fedex-token-expiry; }
@test "va-track: usps token expiry renews the token" { track_case usps-token-expiry; }
@test "va-track: statuses and replies" { track_case statuses; }
@test "va-track: invalid numbers are not sent" { track_case invalid; }
@test "va-track: stale answer while refreshing" { track_case stale-while-refresh; }
@test "va-track: stale answer when the refresh fails" { track_case stale-refresh-fails; }
@test "va-track: cache hit" { track_case cache-hit; }
@test "va-track: carrier without credentials" { track_case unconfigured; }
@test "va-track: explicit carrier" { track_case explicit-carrier; }

# A failed lookup leaves a job in the outbox; --drain works it off and
# the next caller hears the answer from the cache.
@test "va-track: outbox and --drain" {
	start_carriers --mode down
	track_env
	va va-track <"$TESTDATA/va-track/ups-ok/input" >"$BATS_TEST_TMPDIR/out1"
	stop_carriers
	jq -e -s '.[1].status == "unavailable" and .[1].data.queued' \
	    "$BATS_TEST_TMPDIR/out1"
	start_carriers
	track_env
	run --separate-stderr va va-track --drain
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	run --separate-stderr va va-track --drain
	[ "$output" = '{"done":0,"failed":0,"pending":0}' ]
	stop_carriers
	va va-track <"$TESTDATA/va-track/ups-ok/input" >"$BATS_TEST_TMPDIR/out2"
	jq -e -s '.[1].status == "ok" and .[1].cached' "$BATS_TEST_TMPDIR/out2"
}

# A drain that fails again keeps the job and says so.
@test "va-track: --drain with the carrier still down" {
	start_carriers --mode down
	track_env
	va va-track <"$TESTDATA/va-track/fedex-ok/input" >/dev/null
	run --separate-stderr va va-track --drain --tries 1
	stop_carriers
	[ "$status" -eq 75 ]
	[ "$output" = '{"done":0,"failed":1,"pending":1}' ]
}

# Tokens live in the store: a second process does not ask for one.
@test "va-track: token shared through the store" {
	start_carriers
	track_env
	va va-track <"$TESTDATA/va-track/ups-ok/input" >/dev/null
	va va-track --ttl-ms 0 --stale-ms 0 \
	    <"$TESTDATA/va-track/ups-ok/input" >/dev/null
	stop_carriers
	[ "$(grep -c oauth/token "$BATS_TEST_TMPDIR/carriers.log")" -eq 1 ]
	[ "$(grep -c track/v1/details "$BATS_TEST_TMPDIR/carriers.log")" -eq 2 ]
}

# Results are recorded for va-route.
@test "va-track: result recorded in the store" {
	start_carriers
	track_env
	va va-track <"$TESTDATA/va-track/ups-ok/input" >/dev/null
	stop_carriers
	run sqlite3 "$VA_DB" "SELECT call, key, status FROM callstate_results"
	[ "$output" = "c1|c1:track:1|ok" ]
}

# Concurrent mode: calls may finish out of order, a call's own events
# never; everything comes out once.
@test "va-track: concurrency keeps each call in order" {
	start_carriers --latency-ms 100
	track_env
	{
		for c in a b c d; do
			echo "{\"type\":\"call_start\",\"call\":\"$c\",\"turn\":0}"
			echo "{\"type\":\"action\",\"call\":\"$c\",\"turn\":1,\"tool\":\"track\",\"op\":\"track\",\"key\":\"$c:1\",\"reply\":false,\"params\":{\"number\":\"1Z5R89390357567127\"}}"
			echo "{\"type\":\"note\",\"call\":\"$c\",\"turn\":1}"
			echo "{\"type\":\"action\",\"call\":\"$c\",\"turn\":2,\"tool\":\"track\",\"op\":\"track\",\"key\":\"$c:2\",\"params\":{\"number\":\"986578788855\"}}"
			echo "{\"type\":\"call_end\",\"call\":\"$c\",\"turn\":2}"
		done
	} >"$BATS_TEST_TMPDIR/in"
	va va-track -j 8 --ttl-ms 0 --stale-ms 0 <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out"
	stop_carriers
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 24 ]
	for c in a b c d; do
		run jq -r -s --arg c "$c" \
		    '[.[] | select(.call == $c) | .type + ":" + (.key // "")] | join(" ")' \
		    "$BATS_TEST_TMPDIR/out"
		[ "$output" = "call_start: result:$c:1 note: result:$c:2 reply: call_end:" ]
	done
}

@test "va-track: other events pass through byte for byte" {
	printf '{"type":"x", "spaced" : 1}\n{"type":"action","tool":"order","op":"lookup"}\n' >"$BATS_TEST_TMPDIR/in"
	VA_DB=$BATS_TEST_TMPDIR/va.db va va-track <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "va-track: a track action without a number is an error event" {
	echo '{"type":"action","call":"c1","tool":"track","op":"track","params":{}}' |
	    VA_DB=$BATS_TEST_TMPDIR/va.db va va-track >"$BATS_TEST_TMPDIR/out"
	jq -e '.type == "error" and .code == "bad_params"' "$BATS_TEST_TMPDIR/out"
}

# track_actions N FIRST: N lookups of one UPS number, a call each.
track_actions() {
	local i=$2
	while [ "$i" -lt $(($2 + $1)) ]; do
		echo "{\"type\":\"action\",\"call\":\"c$i\",\"turn\":1,\"tool\":\"track\",\"op\":\"track\",\"key\":\"c$i:1\",\"reply\":false,\"params\":{\"number\":\"1Z5R89390357567127\"}}"
		i=$((i + 1))
	done
}

# A carrier that keeps failing opens its breaker once; while open the
# caller gets the graceful answer at once, the retry still goes to the
# outbox and nothing is sent; after the cool-down a trial closes it.
@test "va-track: breaker per carrier opens once, fails fast, closes after the cool-down" {
	start_carriers --mode down
	track_env
	track_actions 12 1 >"$BATS_TEST_TMPDIR/in"
	va va-track -j 12 --tries 1 --breaker-threshold 3 \
	    --breaker-cooldown-ms 1500 <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	run jq -s '[.[] | select(.status == "unavailable" and .data.queued)] | length' "$BATS_TEST_TMPDIR/out"
	[ "$output" -eq 12 ]
	[ "$(grep -c 'open after' "$BATS_TEST_TMPDIR/err")" -eq 1 ]
	sent=$(wc -l <"$BATS_TEST_TMPDIR/carriers.log")
	track_actions 3 20 | va va-track --tries 1 --breaker-threshold 3 \
	    --breaker-cooldown-ms 1500 >"$BATS_TEST_TMPDIR/out2" 2>/dev/null
	[ "$(wc -l <"$BATS_TEST_TMPDIR/carriers.log")" -eq "$sent" ]
	run jq -r -s '[.[] | "\(.status) \(.data.why) \(.data.queued)"] | unique | join(",")' "$BATS_TEST_TMPDIR/out2"
	[ "$output" = "unavailable breaker_open true" ]
	grep -q "isn't answering right now" "$BATS_TEST_TMPDIR/out2"
	run sqlite3 "$VA_DB" "SELECT count(*) FROM outbox WHERE kind = 'track' AND state = 'pending'"
	[ "$output" -eq 1 ]
	stop_carriers
	start_carriers
	track_env
	track_actions 1 30 | VA_FIXED_CLOCK=1700000002000 va va-track --tries 1 \
	    --breaker-threshold 3 --breaker-cooldown-ms 1500 \
	    >"$BATS_TEST_TMPDIR/out3" 2>/dev/null
	stop_carriers
	jq -e '.status == "ok"' "$BATS_TEST_TMPDIR/out3"
	run sqlite3 "$VA_DB" "SELECT state, failures FROM breaker_state WHERE name = 'track:ups'"
	[ "$output" = "closed|0" ]
}

# -j waits for input and lookups in one poll (lib/fetch.c) that, like the
# filter loop, lets SIGINT/SIGTERM in only inside ppoll(2): SIGTERM on an
# idle pipe ends the program at once with 0, the events before it out.
@test "va-track -j: SIGTERM while waiting on an idle pipe exits 0 promptly" {
	export VA_DB=$BATS_TEST_TMPDIR/va.db
	stop_on_idle_pipe '{"type":"a"}' "$VA_BIN/va-track" -j 4
}
