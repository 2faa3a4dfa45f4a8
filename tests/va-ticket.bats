#!/usr/bin/env bats
# va-ticket: golden cases in testdata/va-ticket/, every CRM adapter against
# tests/standin/support.py (success, not found, bad credentials, rate
# limiting, timeout, malformed body), exactly once under replays and kill -9,
# the outbox with flush and its dead letters, and no card data anywhere.

load helpers

@test "va-ticket: local ticket, other events pass through" { run_case va-ticket local-create; }
@test "va-ticket: a replayed action makes one ticket" { run_case va-ticket replay; }
@test "va-ticket: invalid actions" { run_case va-ticket invalid; }
@test "va-ticket: card numbers are refused" { run_case va-ticket card-refused; }
@test "va-ticket: unknown op" { run_case va-ticket unknown-op; }
@test "va-ticket: reply false" { run_case va-ticket no-reply; }
@test "va-ticket: print-config masks the token" { run_case va-ticket print-config; }
@test "va-ticket: unknown backend" { run_case va-ticket bad-backend; }

ACTION=$TESTDATA/va-ticket/local-create/input

setup() {
	DB=$BATS_TEST_TMPDIR/va.db
	SUPPORT_PID=
}

teardown() {
	[ -n "$SUPPORT_PID" ] || return 0
	kill "$SUPPORT_PID" 2>/dev/null
	wait "$SUPPORT_PID" 2>/dev/null || true
}

# start_support: run the stand-in; sets BASE.
start_support() {
	local pf=$BATS_TEST_TMPDIR/port
	rm -f "$pf"
	python3 "$TOP/tests/standin/support.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/requests" &
	SUPPORT_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	BASE=http://127.0.0.1:$(cat "$pf")
}

# misbehave JSON: replace the stand-in's rules.
misbehave() {
	curl -sf -X POST --data "$1" "$BASE/_standin/script"
}

# created VENDOR: how many tickets the stand-in holds for it.
created() {
	curl -sf "$BASE/_standin/state" | jq ".$1"
}

# vendor NAME [TOKEN]: set ARGS and the secret for a backend.
vendor() {
	local tok
	case $1 in
	local)		ARGS=(--db "$DB"); tok= ;;
	zendesk)	ARGS=(--user agent@example.com); tok=zd-secret ;;
	salesforce)	ARGS=(--user va-client); tok=sf-secret ;;
	hubspot)	ARGS=(--user 4242); tok=pat-test ;;
	servicenow)	ARGS=(--user va.integration); tok=sn-secret ;;
	esac
	[ "$1" = local ] || ARGS+=(--db "$DB" -b "$1" --url "$BASE" \
	    --timeout-ms 500 --tries 2 --budget-ms 3000)
	export VA_TICKET_TOKEN=${2:-$tok}
}

# ticket: run va-ticket on the sample action; output in $out.
ticket() {
	out=$BATS_TEST_TMPDIR/out
	va va-ticket "${ARGS[@]}" "$@" <"$ACTION" >"$out" 2>>"$BATS_TEST_TMPDIR/err"
}

status_is() {
	jq -e -s --arg s "$1" '[.[] | select(.type == "result")] |
	    length == 1 and .[0].status == $s' "$out"
}

pending() {
	sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'pending'"
}

adapter_success() {
	start_support
	vendor "$1"
	ticket
	status_is ok
	jq -e -s '[.[] | select(.type == "reply")][0].text |
	    test("ticket number is [0-9A-Z ]+\\. Someone will call")' "$out"
	[ "$(created "$1")" -eq 1 ]
	[ "$(pending)" -eq 0 ]
	# A replayed pipeline, even with the store lost, makes no second one.
	ticket
	status_is ok
	rm -f "$DB" "$DB-wal" "$DB-shm"
	ticket
	status_is ok
	[ "$(created "$1")" -eq 1 ]
}

adapter_fails() {	# VENDOR RULE-or-"badauth"
	start_support
	if [ "$2" = badauth ]; then
		vendor "$1" wrong-secret
	else
		vendor "$1"
		misbehave "$2"
	fi
	ticket
	status_is queued
	jq -e -s '[.[] | select(.type == "reply")][0].text ==
	    "I'"'"'ve passed this to a colleague. Someone will call you back within one business day."' "$out"
	[ "$(pending)" -eq 1 ]
	# A slow vendor may still finish what we gave up on: let it land.
	case $2 in *slow*) sleep 2 ;; esac
	# Later, the vendor answers again: flush delivers, once.
	misbehave '[]'
	vendor "$1"
	VA_FIXED_CLOCK=1700000100000 va va-ticket "${ARGS[@]}" flush >"$out.flush"
	jq -e '.delivered == 1 and .pending == 0' "$out.flush"
	[ "$(created "$1")" -eq 1 ]
	# and the call's record learns the ticket number
	[ "$(sqlite3 "$DB" "SELECT status FROM callstate_results WHERE key = 'c1:ticket'")" = ok ]
}

adapter_429() {
	start_support
	vendor "$1"
	misbehave '[{"match":"POST","do":"429","times":1}]'
	ticket
	status_is ok
	[ "$(created "$1")" -eq 1 ]
}

for v in local zendesk salesforce hubspot servicenow; do :; done

@test "va-ticket: local backend, exactly once" { vendor local; ticket; status_is ok; ticket; status_is ok; [ "$(sqlite3 "$DB" 'SELECT count(*) FROM tickets')" -eq 1 ]; }

@test "va-ticket: zendesk success and replays" { adapter_success zendesk; }
@test "va-ticket: zendesk bad credentials" { adapter_fails zendesk badauth; }
@test "va-ticket: zendesk rate limited, then recovers" { adapter_429 zendesk; }
@test "va-ticket: zendesk timeout" { adapter_fails zendesk '[{"match":"POST","do":"slow","delay_ms":1500}]'; }
@test "va-ticket: zendesk malformed body" { adapter_fails zendesk '[{"match":"POST","do":"malformed"}]'; }
@test "va-ticket: zendesk down" { adapter_fails zendesk '[{"match":"","do":"down"}]'; }
@test "va-ticket: zendesk not found (wrong URL)" {
	start_support
	vendor zendesk
	ARGS+=(--url "$BASE/nowhere")
	ticket
	status_is queued
	[ "$(created zendesk)" -eq 0 ]
}

@test "va-ticket: salesforce success and replays" { adapter_success salesforce; }
@test "va-ticket: salesforce bad credentials" { adapter_fails salesforce badauth; }
@test "va-ticket: salesforce rate limited (403 REQUEST_LIMIT_EXCEEDED)" {
	start_support
	vendor salesforce
	misbehave '[{"match":"PATCH","do":"429","times":1}]'
	ticket
	status_is queued
	misbehave '[]'
	VA_FIXED_CLOCK=1700000100000 va va-ticket "${ARGS[@]}" flush >/dev/null
	[ "$(created salesforce)" -eq 1 ]
}
@test "va-ticket: salesforce timeout" { adapter_fails salesforce '[{"match":"PATCH","do":"slow","delay_ms":1500}]'; }
@test "va-ticket: salesforce malformed body" { adapter_fails salesforce '[{"match":"GET","do":"malformed","times":2}]'; }
@test "va-ticket: salesforce not found (unknown external id field)" {
	start_support
	vendor salesforce
	ARGS+=(--field No_Such__c)
	ticket
	status_is queued
	grep -q 'salesforce upsert: HTTP 404' "$BATS_TEST_TMPDIR/err"
}

@test "va-ticket: hubspot success and replays" { adapter_success hubspot; }
@test "va-ticket: hubspot bad credentials" { adapter_fails hubspot badauth; }
@test "va-ticket: hubspot rate limited, then recovers" { adapter_429 hubspot; }
@test "va-ticket: hubspot timeout" { adapter_fails hubspot '[{"match":"objects/tickets/search","do":"slow","delay_ms":1500}]'; }
@test "va-ticket: hubspot malformed body" { adapter_fails hubspot '[{"match":"search","do":"malformed"}]'; }
@test "va-ticket: hubspot not found (wrong URL)" {
	start_support
	vendor hubspot
	ARGS+=(--url "$BASE/nowhere")
	ticket
	status_is queued
}
@test "va-ticket: hubspot 409 conflict finds the ticket made by another" {
	start_support
	vendor hubspot
	# another process created it between our search and our create
	misbehave '[{"match":"search","do":"slow","delay_ms":1,"times":0}]'
	curl -sf -H 'Authorization: Bearer pat-test' -H 'Content-Type: application/json' \
	    --data '{"properties":{"subject":"x","hs_pipeline":"0","hs_pipeline_stage":"1","va_key":"c1:ticket"}}' \
	    "$BASE/crm/v3/objects/tickets" >/dev/null
	ticket
	status_is ok
	jq -e -s '.[] | select(.type == "result") | .data.id == "512"' "$out"
	[ "$(created hubspot)" -eq 1 ]
}

@test "va-ticket: servicenow success and replays" { adapter_success servicenow; }
@test "va-ticket: servicenow bad credentials" { adapter_fails servicenow badauth; }
@test "va-ticket: servicenow rate limited, then recovers" { adapter_429 servicenow; }
@test "va-ticket: servicenow timeout, created late, never twice" { adapter_fails servicenow '[{"match":"POST","do":"slow","delay_ms":1500}]'; }
@test "va-ticket: servicenow malformed body" { adapter_fails servicenow '[{"match":"GET","do":"malformed"}]'; }
@test "va-ticket: servicenow not found (wrong table URL)" {
	start_support
	vendor servicenow
	ARGS+=(--url "$BASE/nowhere")
	ticket
	status_is queued
}

@test "va-ticket: unreachable CRM queues, dead letter after max attempts" {
	vendor zendesk
	ARGS=(--db "$DB" -b zendesk --url http://127.0.0.1:9 --user a
	    --timeout-ms 300 --tries 1 --budget-ms 500 --max-attempts 3
	    --retry-base-ms 1000)
	ticket
	status_is queued
	for t in 1700000100000 1700000200000; do
		run env VA_FIXED_CLOCK=$t "$VA_BIN/va-ticket" "${ARGS[@]}" flush
		[ "$status" -eq 75 ]
	done
	echo "$output" | grep -q '"dead":1'
	[ "$(sqlite3 "$DB" "SELECT state || ' ' || attempts FROM outbox")" = "dead 3" ]
	# nothing is due any more
	run env VA_FIXED_CLOCK=1700000300000 "$VA_BIN/va-ticket" "${ARGS[@]}" flush
	[ "$status" -eq 0 ]
}

# kill -9 between the steps: record in outbox, vendor call, mark done.
kill_at() {	# VENDOR STEP
	start_support
	vendor "$1"
	run env VA_TEST_KILL_AT="$2" "$VA_BIN/va-ticket" "${ARGS[@]}" <"$ACTION"
	[ "$status" -eq 137 ]
	# rerun the pipeline, then flush: one ticket, nothing pending
	ticket
	status_is ok
	VA_FIXED_CLOCK=1700000100000 va va-ticket "${ARGS[@]}" flush >/dev/null
	[ "$(pending)" -eq 0 ]
	if [ "$1" = local ]; then
		[ "$(sqlite3 "$DB" 'SELECT count(*) FROM tickets')" -eq 1 ]
	else
		[ "$(created "$1")" -eq 1 ]
	fi
}

@test "va-ticket: kill -9 after recording (local)" { kill_at local recorded; }
@test "va-ticket: kill -9 after the ticket was made (local)" { kill_at local sent; }
@test "va-ticket: kill -9 after marking done (local)" { kill_at local marked; }
@test "va-ticket: kill -9 after recording (zendesk)" { kill_at zendesk recorded; }
@test "va-ticket: kill -9 after the vendor call (zendesk)" { kill_at zendesk sent; }
@test "va-ticket: kill -9 after marking done (zendesk)" { kill_at zendesk marked; }
@test "va-ticket: kill -9 after the vendor call (servicenow)" { kill_at servicenow sent; }

@test "va-ticket: flush after a kill -9 delivers without a rerun" {
	start_support
	vendor hubspot
	run env VA_TEST_KILL_AT=recorded "$VA_BIN/va-ticket" "${ARGS[@]}" <"$ACTION"
	[ "$status" -eq 137 ]
	[ "$(created hubspot)" -eq 0 ]
	VA_FIXED_CLOCK=1700000100000 va va-ticket "${ARGS[@]}" flush >"$BATS_TEST_TMPDIR/f"
	jq -e '.delivered == 1' "$BATS_TEST_TMPDIR/f"
	[ "$(created hubspot)" -eq 1 ]
}

@test "va-ticket: handoff notified to a Slack webhook, without the transcript" {
	start_support
	vendor local
	VA_TICKET_WEBHOOK=$BASE/services/T0/B0/x ticket
	[ "$(created slack)" -eq 1 ]
	grep '/services/T0/B0/x' "$BATS_TEST_TMPDIR/requests" | grep -q 'Ticket 1001'
	! grep -q 'money back' "$BATS_TEST_TMPDIR/requests"
}

@test "va-ticket: list and show" {
	vendor local
	ticket
	run va va-ticket --db "$DB" list
	[ "$status" -eq 0 ]
	[[ "$output" == 1001$'\t'*high$'\t'open$'\t'"Phone call: refund_request (order 1001)"* ]]
	run va va-ticket --db "$DB" show 1001
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx '\[00:04\] caller: My kettle arrived broken and I want my money back.'
	run va va-ticket --db "$DB" show 99
	[ "$status" -eq 66 ]
	run va va-ticket --db "$DB" frobnicate
	[ "$status" -eq 64 ]
}

@test "va-ticket: a vendor without a token is a configuration error" {
	unset VA_TICKET_TOKEN
	run va va-ticket -b zendesk --url http://127.0.0.1:9 --db "$DB"
	[ "$status" -eq 78 ]
}
