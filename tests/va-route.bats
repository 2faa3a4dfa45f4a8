#!/usr/bin/env bats
# va-route: golden conversations in testdata/va-route/ and behaviour tests.
# Each case's env points VA_DB at the test's own folder and VA_DATA_DIR at
# the shipped data/ (flow, locale, knowledge base).

load helpers

# run_stages CASE: like run_case, but feeds input.1, input.2, ... to one
# va-route process each, on one store, as a pipeline restarted mid-call.
run_stages() {
	local dir=$TESTDATA/va-route/$1 out=$BATS_TEST_TMPDIR/stdout i
	(
		cd "$dir" || exit 1
		set -a
		. ./env
		set +a
		for i in input.*; do
			va va-route <"$i" || exit
		done
	) | jq -c -f "$dir/filter" >"$out" || return 1
	if [ "${VA_GOLDEN:-}" = 1 ]; then
		cp "$out" "$dir/expected"
		return 0
	fi
	diff -u "$dir/expected" "$out"
}

@test "va-route: greeting with the recording and AI disclosure" { run_case va-route greeting; }
@test "va-route: brand and tone from options" { run_case va-route persona; }
@test "va-route: order status: asks, reads back, looks up, anything else" { run_case va-route order-status; }
@test "va-route: order status with the number in the request" { run_case va-route order-status-entity; }
@test "va-route: order number read back wrong, asked again" { run_case va-route order-readback-no; }
@test "va-route: order number corrected in the same breath as no" { run_case va-route order-correction; }
@test "va-route: tracking with a valid tracking number" { run_case va-route tracking; }
@test "va-route: tracking asks for the number" { run_case va-route tracking-ask; }
@test "va-route: tracking number taken from the order's result" { run_case va-route tracking-from-order; }
@test "va-route: tracking by the order's number: lookup now, track when it is in" { run_case va-route tracking-by-order; }
@test "va-route: a slot answer taken for another request stays" { run_case va-route tracking-answer-low; }
@test "va-route: refund becomes a ticket for a person" { run_case va-route refund-ticket; }
@test "va-route: refund through va-pay after confirmation" { run_case va-route refund-auto; }
@test "va-route: cancel order after confirmation" { run_case va-route cancel-order; }
@test "va-route: cancel order declined" { run_case va-route cancel-declined; }
@test "va-route: change of address: callback ticket" { run_case va-route change-address; }
@test "va-route: payment problem asks va-pay" { run_case va-route payment-problem; }
@test "va-route: knowledge base answers and anything-else loop" { run_case va-route kb-answer; }
@test "va-route: knowledge base without an answer offers a person" { run_case va-route kb-unknown; }
@test "va-route: no answer, person declined, goodbye" { run_case va-route kb-unknown-decline; }
@test "va-route: hello, reprompt and repeat" { run_case va-route hello-and-repeat; }
@test "va-route: caller changes topic while asked for a number" { run_case va-route topic-switch; }
@test "va-route: reprompt limit offers a person" { run_case va-route reprompt-limit; }
@test "va-route: hang-up after the greeting" { run_case va-route abandoned; }
@test "va-route: escalation: low confidence twice" { run_case va-route esc-low-confidence; }
@test "va-route: escalation: --low-turns 3 reprompts twice" { run_case va-route esc-low-confidence-3; }
@test "va-route: escalation: caller asks for a person" { run_case va-route esc-caller-request; }
@test "va-route: escalation: --request-person 2" { run_case va-route esc-caller-request-twice; }
@test "va-route: escalation: refund above the limit" { run_case va-route esc-restricted-amount; }
@test "va-route: escalation: restricted words" { run_case va-route esc-restricted-word; }
@test "va-route: escalation: restricted intent" { run_case va-route esc-restricted-intent; }
@test "va-route: escalation: negative wording" { run_case va-route esc-frustration-words; }
@test "va-route: escalation: the same request three times" { run_case va-route esc-frustration-repeat; }
@test "va-route: escalation: long call without resolution" { run_case va-route esc-too-long; }
@test "va-route: escalation: backend stays down" { run_case va-route esc-backend-down; }
@test "va-route: turns after a handoff are only passed on" { run_case va-route after-handoff; }
@test "va-route: a second locale from a file" { run_case va-route locale-fr; }
@test "va-route: intent without a call id is an error event" { run_case va-route no-call; }
@test "va-route: a bad flow file stops before the first event" { run_case va-route bad-flow; }
@test "va-route: one key per call and purpose" { run_case va-route two-orders; }
@test "va-route: a pipeline restarted mid-call resumes" { run_stages restart; }

# route CASE [ARGS]: run a case's input through va-route on $DB, quietly.
route() {
	local c=$1
	shift
	VA_DATA_DIR=$TOP/data va va-route --db "$DB" "$@" \
	    <"$TESTDATA/va-route/$c/input" >"$BATS_TEST_TMPDIR/out"
}

setup() {
	DB=$BATS_TEST_TMPDIR/va.db
	VA_DATA_DIR=$TOP/data
	export VA_DATA_DIR
}

@test "va-route: outcome, reason, turns and duration per call" {
	route order-status
	sed 's/"c1"/"c2"/g' "$TESTDATA/va-route/esc-caller-request/input" |
	    VA_DATA_DIR=$TOP/data va va-route --db "$DB" >/dev/null
	sed 's/"c1"/"c3"/g' "$TESTDATA/va-route/abandoned/input" |
	    VA_DATA_DIR=$TOP/data va va-route --db "$DB" >/dev/null
	sed 's/"c1"/"c4"/g' "$TESTDATA/va-route/order-status/input" |
	    VA_DATA_DIR=$TOP/data va va-route --db "$DB" >/dev/null
	va va-route --db "$DB" sessions >"$BATS_TEST_TMPDIR/s"
	jq -e -s 'map({(.call): [.outcome, .reason, .turns, .duration_ms]}) | add ==
	    {"c4": ["contained", "goodbye", 4, 18000],
	     "c2": ["transferred", "caller_request", 2, 10000],
	     "c3": ["abandoned", "hangup", 0, 2000],
	     "c1": ["contained", "goodbye", 4, 18000]}' "$BATS_TEST_TMPDIR/s"
}

@test "va-route: what the next turn should hold is recorded for va-asr" {
	route order-status
	run sqlite3 "$DB" "SELECT turn || ':' || COALESCE(expect, '-') FROM callstate_turns WHERE call = 'c1' ORDER BY turn"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1:order_number\n2:yesno\n3:-\n4:-')" ]
}

@test "va-route: the ticket carries the whole redacted transcript" {
	route reprompt-limit
	jq -c 'select(.type == "action" and .tool == "ticket") | .params.transcript' \
	    "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/tr"
	va va-route --db "$DB" show c1 | jq -c .transcript >"$BATS_TEST_TMPDIR/show"
	diff -u "$BATS_TEST_TMPDIR/show" "$BATS_TEST_TMPDIR/tr"
	# greeting, then caller and assistant in turn, ending with the handoff
	jq -e '[.[].who] == ["assistant"] + ([range(5)] | map("caller", "assistant")) and
	    (.[1:] | map(select(.who == "caller")) | map(.text)) ==
	    ["where is my order", "I don'"'"'t have it here", "hmm let me see", "no idea", "yes"] and
	    (.[-1].text | test("passing you"))' "$BATS_TEST_TMPDIR/tr"
}

@test "va-route: a result a tool put in the store is read at the next turn" {
	head -3 "$TESTDATA/va-route/esc-backend-down/input" >"$BATS_TEST_TMPDIR/a"
	sed -n 5p "$TESTDATA/va-route/esc-backend-down/input" >"$BATS_TEST_TMPDIR/b"
	VA_DATA_DIR=$TOP/data va va-route --db "$DB" <"$BATS_TEST_TMPDIR/a" >/dev/null
	sqlite3 "$DB" "INSERT INTO callstate_results (call, key, tool, op, ok, status, at) VALUES ('c1', 'c1:order', 'order', 'lookup', 0, 'unavailable', 0)"
	VA_DATA_DIR=$TOP/data va va-route --db "$DB" <"$BATS_TEST_TMPDIR/b" |
	    jq -e -s 'map(select(.type == "handoff")) | .[0].reason == "backend_down"'
}

@test "va-route: kb index and kb query" {
	run va va-route --db "$DB" kb index "$TOP/data/route/kb"
	[ "$status" -eq 0 ]
	va va-route --db "$DB" kb query "do you ship to Canada" >"$BATS_TEST_TMPDIR/q"
	jq -e -s '.[0].title == "Shipping and delivery: Countries we ship to" and
	    .[0].answers and (.[0].text | test("Canada"))' "$BATS_TEST_TMPDIR/q"
	run va va-route --db "$DB" kb query "do you sell bicycles"
	[ "$status" -eq 1 ] && [ -z "$output" ]
	# a weak match is listed but does not answer
	va va-route --db "$DB" kb query "can I pay with bitcoin" | jq -e -s '.[0].answers == false'
}

@test "va-route: the knowledge base follows its folder" {
	kb=$BATS_TEST_TMPDIR/kb
	mkdir "$kb"
	cp "$TOP/data/route/kb/hours.md" "$kb/"
	printf 'x\n' >"$BATS_TEST_TMPDIR/none"
	q='{"type":"intent","call":"k1","turn":1,"t_ms":1,"text":"do you sell bicycles","intent":"policy_faq","confidence":0.9,"entities":[]}'
	echo "$q" | VA_DATA_DIR=$TOP/data va va-route --db "$DB" --kb "$kb" |
	    jq -e -s '.[1].text | test("know the answer")'
	printf '# Bikes\n\n## Bicycles\n\nWe sell bicycles for city and trail.\n' >"$kb/bikes.md"
	echo "$q" | sed 's/k1/k2/g' | VA_DATA_DIR=$TOP/data va va-route --db "$DB" --kb "$kb" |
	    jq -e -s '.[1].text | test("We sell bicycles")'
}

@test "va-route: no knowledge-base answer below --kb-min-score" {
	q='{"type":"intent","call":"k1","turn":1,"t_ms":1,"text":"what is your returns policy","intent":"policy_faq","confidence":0.9,"entities":[]}'
	echo "$q" | VA_DATA_DIR=$TOP/data va va-route --db "$DB" --kb-min-score 50 |
	    jq -e -s '.[1].text | test("know the answer")'
}

@test "va-route: a missing locale is a configuration error" {
	run va va-route --db "$DB" --locale xx </dev/null
	[ "$status" -eq 78 ]
}

@test "va-route: unknown subcommand is a usage error" {
	run va va-route --db "$DB" frobnicate
	[ "$status" -eq 64 ]
}

@test "va-route: a finished call id starts a new session" {
	route order-status
	route order-status
	grep -q '"type":"action"' "$BATS_TEST_TMPDIR/out"
	va va-route --db "$DB" show c1 | jq -e '.turns == 4 and (.transcript | length) == 9'
}

@test "va-route: the store is created 0600" {
	route greeting
	[ "$(stat -c %a "$DB")" = 600 ]
}

@test "va-route: the examples of the man page" {
	printf '%s\n' '{"type":"intent","call":"c1","turn":1,"t_ms":4000,
	  "text":"where is order 10234","intent":"order_status",
	  "confidence":0.9,"entities":[{"type":"order_number",
	  "value":"10234","text":"10234"}]}' | tr -d '\n' |
	    va va-route --db "$DB" | jq -r 'select(.type == "reply") | .text' >"$BATS_TEST_TMPDIR/a"
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = "That's order <say-as interpret-as=\"digits\">10234</say-as>. Is that right?" ]
	va va-route --db "$DB" kb index "$TOP/data/route/kb"
	[ "$(va va-route --db "$DB" kb query 'do you ship to Canada' | head -n 1 | jq -r .title)" = "Shipping and delivery: Countries we ship to" ]
}

# by_order NUMBER: the tracking-by-order call up to the caller's yes, with
# the order number NUMBER, through va-route waiting for the lookups and
# va-order answering them from the demo shop in the same store.
by_order() {
	"$VA_BIN/va-order" import --db "$DB" "$TOP/data/demo/orders.json" 2>/dev/null
	sed -n 1,4p "$TESTDATA/va-route/tracking-by-order/input" | sed "s/10235/$1/g" |
	    VA_DATA_DIR=$TOP/data va va-route --db "$DB" --wait-result 5000 |
	    "$VA_BIN/va-order" --db "$DB" >"$BATS_TEST_TMPDIR/out"
}

@test "va-route: --wait-result: the order's answer comes in the turn, the track goes out" {
	by_order 10235
	# va-order took the lookup: its answer, then the track with the
	# order's tracking number, in the caller's turn
	jq -e -s 'map(select(.type == "action" or .type == "result") |
	    [.turn, .type, .tool, .params.number // .status]) ==
	    [[3, "result", "order", "ok"], [3, "action", "track", "986578788855"]]' \
	    "$BATS_TEST_TMPDIR/out"
	jq -e -s 'map(select(.type == "action" and .tool == "track"))[0].params.carrier == "FedEx"' \
	    "$BATS_TEST_TMPDIR/out"
	jq -e -s 'map(select(.type == "reply" and .by == "va-route"))[-1] |
	    .state == "main" and (.text | test("anything else"))' "$BATS_TEST_TMPDIR/out"
}

@test "va-route: --wait-result: an order not found ends the request without a track" {
	by_order 99999
	jq -e -s 'map(select(.type == "result") | .status) == ["not_found"] and
	    map(select(.type == "action")) == []' "$BATS_TEST_TMPDIR/out"
	# the wrong number is forgotten, so the next request asks again
	va va-route --db "$DB" show c1 | jq -e '.slots | has("order_number") | not'
}

@test "va-route: --wait-result: an order not shipped has no track; asked again, its answer again" {
	"$VA_BIN/va-order" import --db "$DB" "$TOP/data/demo/orders.json" 2>/dev/null
	sed -n '1,4p;6p' "$TESTDATA/va-route/tracking-by-order/input" | sed s/10235/10236/g |
	    VA_DATA_DIR=$TOP/data va va-route --db "$DB" --wait-result 5000 |
	    "$VA_BIN/va-order" --db "$DB" >"$BATS_TEST_TMPDIR/out"
	jq -e -s 'map(select(.type == "action")) == [] and
	    map(select(.type == "result") | [.turn, .tool, .status]) ==
	    [[3, "order", "ok"], [4, "order", "ok"]] and
	    (map(select(.type == "reply" and .by == "va-order") | .turn) == [3, 4])' \
	    "$BATS_TEST_TMPDIR/out"
}

@test "va-route: escalation: the recognizer's low confidence is not understood" { run_case va-route esc-asr-confidence; }

@test "va-route: --min-asr-confidence 0 acts on what the recognizer heard" {
	export VA_DB=$BATS_TEST_TMPDIR/va.db VA_DATA_DIR=$TOP/data
	run sh -c "va-route --min-asr-confidence 0 <'$TESTDATA/va-route/esc-asr-confidence/input'"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e -s '[.[] | select(.type == "reply" and .turn == 1)][0].final == true' >/dev/null
	! echo "$output" | jq -e -s 'any(.[]; .type == "handoff")' >/dev/null
}
