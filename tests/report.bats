#!/usr/bin/env bats
# va-report and va-replay on real calls: the test calls go through
# scripts/va-call, then the report and the replays read what they left.

load helpers

setup_file() {
	export R=$BATS_FILE_TMPDIR
	unset VA_FIXED_CLOCK
	va-order import --db "$R/va.db" "$TOP/data/demo/orders.json" 2>/dev/null
	for c in order-status-human agent policy; do
		va-call -q -o "$R/$c" -d "$R/va.db" "$TOP/testdata/calls/$c.wav" 2>/dev/null
	done
}

@test "va-report: calls, containment, transfers and reasons, intents, latency" {
	run va va-report -d "$R/va.db" "$R"/*/events.log
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qE '^calls +3 \(3 ended\)'
	printf '%s\n' "$output" | grep -qE '^contained +2 \(66\.7%\)'
	printf '%s\n' "$output" | grep -qE '^transferred +1 \(33\.3%\)'
	printf '%s\n' "$output" | grep -qE '^  caller_request +1'
	printf '%s\n' "$output" | grep -qE '^  order_status +1'
	printf '%s\n' "$output" | grep -qE '^latency \(ms\) from 3 log\(s\)'
	printf '%s\n' "$output" | grep -qE '^  turn +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +300'
}

@test "va-report: a self-contained HTML page with SVG charts" {
	run va va-report -d "$R/va.db" -H "$BATS_TEST_TMPDIR/r.html" "$R"/*/events.log
	[ "$status" -eq 0 ]
	h=$BATS_TEST_TMPDIR/r.html
	grep -q '<svg' "$h"
	grep -q 'Transfers by reason' "$h"
	not grep -qiE '<script|<link|src=|@import' "$h"
	# nothing fetched from elsewhere: the only URL is the SVG namespace
	[ -z "$(grep -oE 'https?://[^"]+' "$h" | grep -v '^http://www.w3.org/2000/svg$')" ]
}

@test "va-report: a store that does not exist is exit 66, and none is created" {
	run va va-report -d "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 66 ]
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
}

@test "va-replay: the timeline of a captured call" {
	run va-replay -d "$R/va.db" "$R/order-status-human/events.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *"call order-status-human: timeline"* ]]
	[[ "$output" == *"understood  order_status"* ]]
	[[ "$output" == *"looked up   order: ok"* ]]
	[[ "$output" == *'said        "'* ]]
}

@test "va-replay: the same settings from a stage change no decision" {
	run va-replay -f intent -d "$R/va.db" "$R/order-status-human/events.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *"decisions: unchanged"* ]]
}

@test "va-replay: a new flow from va-route on shows what changed" {
	# The same flow, but asking for a person once the order is confirmed.
	jq '.states.order_status.action.tool = "ticket" | .states.order_status.action.op = "create"' \
	    "$TOP/data/route/flow.json" >"$BATS_TEST_TMPDIR/flow.json"
	run va-replay -f route -e VA_ROUTE_FLOW="$BATS_TEST_TMPDIR/flow.json" \
	    -d "$R/va.db" "$R/order-status-human/events.log"
	[ "$status" -eq 1 ]
	[[ "$output" == *"decisions changed:"* ]]
	[[ "$output" == *"-turn 3 order lookup: ok"* ]]
}
