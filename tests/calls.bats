#!/usr/bin/env bats
# The test calls (testdata/calls/): each recorded call goes through the
# whole pipeline (scripts/va-call) on embedded engines, with the demo shop
# in the local store and the payment and carrier services played by their
# stand-ins, and its decisions (intents, backend answers, handoffs, how the
# call ended) must match testdata/calls/expected/<call>.
# VA_GOLDEN=1 rewrites the expected files instead.

load helpers

setup_file() {
	export CALLS_TMP=$BATS_FILE_TMPDIR
	for s in support carriers; do
		python3 "$TOP/tests/standin/$s.py" --port-file "$CALLS_TMP/$s.port" \
		    --log "$CALLS_TMP/$s.log" >/dev/null 2>&1 &
		echo $! >"$CALLS_TMP/$s.pid"
	done
	for s in support carriers; do
		for _ in $(seq 1 100); do
			[ -s "$CALLS_TMP/$s.port" ] && break
			sleep 0.05
		done
	done
}

teardown_file() {
	for s in support carriers; do
		kill "$(cat "$CALLS_TMP/$s.pid")" 2>/dev/null || true
	done
}

call() {
	local name=$1 out=$BATS_TEST_TMPDIR/$1 sp cp
	sp=$(cat "$CALLS_TMP/support.port")
	cp=$(cat "$CALLS_TMP/carriers.port")
	mkdir -p "$out"
	va-order import --db "$out/va.db" "$TOP/data/demo/orders.json" 2>/dev/null
	unset VA_FIXED_CLOCK
	VA_PAY_URL=http://127.0.0.1:$sp VA_PAY_TOKEN=sk_test_va \
	VA_TRACK_UPS_URL=http://127.0.0.1:$cp/ups VA_TRACK_FEDEX_URL=http://127.0.0.1:$cp/fedex \
	VA_UPS_CLIENT_ID=ups-id VA_UPS_CLIENT_SECRET=ups-secret \
	VA_FEDEX_CLIENT_ID=fedex-id VA_FEDEX_CLIENT_SECRET=fedex-secret \
	    va-call -q -o "$out" -d "$out/va.db" "$TESTDATA/calls/$name.wav"
	va-events "$out/events.log" >/dev/null
	va-decisions -d "$out/va.db" "$out/events.log" >"$out/decisions"
	if [ "${VA_GOLDEN:-}" = 1 ]; then
		cp "$out/decisions" "$TESTDATA/calls/expected/$name"
		return 0
	fi
	diff -u "$TESTDATA/calls/expected/$name" "$out/decisions"
}

@test "call: order status" { call order-status; }
@test "call: order status, number in real human speech" { call order-status-human; }
@test "call: tracking" { call tracking; }
@test "call: refund becomes a ticket" { call refund; }
@test "call: declined payment" { call declined; }
@test "call: policy question" { call policy; }
@test "call: asks for a person" { call agent; }
@test "call: cannot be understood, handed over" { call garbled; }
