#!/usr/bin/env bats
# va-pay: golden cases in testdata/va-pay/, Stripe and Adyen against
# tests/standin/support.py (statuses in words, success, not found, bad
# credentials, rate limiting, timeout, malformed body), refunds exactly once,
# refunds queued in the outbox while the provider is down and resent by
# --drain, and a call in which a card number was spoken leaving no trace
# anywhere.

bats_require_minimum_version 1.5.0
load helpers

@test "va-pay: refund without confirmation is refused" { run_case va-pay not-confirmed; }
@test "va-pay: refund above the limit is a handoff" { run_case va-pay over-limit; }
@test "va-pay: card numbers are refused" { run_case va-pay card-refused; }
@test "va-pay: invalid actions" { run_case va-pay invalid; }
@test "va-pay: other events pass through" { run_case va-pay passthrough; }
@test "va-pay: print-config masks the key" { run_case va-pay print-config; }
@test "va-pay: without a key, pay actions are answered as unavailable" { run_case va-pay no-token; }

setup() {
	DB=$BATS_TEST_TMPDIR/va.db
	SUPPORT_PID=
	unset VA_PAY_TOKEN
}

teardown() {
	[ -n "$SUPPORT_PID" ] || return 0
	kill "$SUPPORT_PID" 2>/dev/null
	wait "$SUPPORT_PID" 2>/dev/null || true
}

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

misbehave() {
	curl -sf -X POST --data "$1" "$BASE/_standin/script"
}

refunds() {
	curl -sf "$BASE/_standin/state" | jq ".$1"
}

# pay BACKEND OP PARAMS [KEY-or-TOKEN overrides via env]: one action;
# sets $out to the result event.
pay() {
	local args
	if [ "$1" = stripe ]; then
		args=(--url "$BASE")
		: "${TOKEN:=sk_test_va}"
	else
		args=(-b adyen --url "$BASE/v71" --merchant VaShopECOM)
		: "${TOKEN:=adyen-test-key}"
	fi
	printf '{"type":"action","call":"c2","turn":2,"t_ms":8000,"tool":"pay","op":"%s","key":"%s","params":%s}\n' \
	    "$2" "${KEY:-c2:pay}" "$3" >"$BATS_TEST_TMPDIR/in"
	VA_PAY_TOKEN=$TOKEN va va-pay --db "$DB" --timeout-ms 500 --tries 2 \
	    --budget-ms 3000 "${args[@]}" <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out" 2>>"$BATS_TEST_TMPDIR/err"
	out=$(jq -c 'select(.type == "result")' "$BATS_TEST_TMPDIR/out")
}

# outbox SQL: a query on the store.
outbox() {
	sqlite3 "$DB" "$1"
}

# drain BACKEND [CLOCK-MS]: va-pay --drain at that instant (default the
# fixed clock); sets $status, $output (the tally) and $stderr.
drain() {
	local args tok
	if [ "$1" = stripe ]; then
		args=(--url "$BASE")
		tok=sk_test_va
	else
		args=(-b adyen --url "$BASE/v71" --merchant VaShopECOM)
		tok=adyen-test-key
	fi
	export VA_PAY_TOKEN=$tok VA_FIXED_CLOCK=${2:-1700000000000}
	run --separate-stderr va va-pay --db "$DB" --timeout-ms 500 --tries 2 \
	    --budget-ms 3000 "${args[@]}" --drain
	export VA_FIXED_CLOCK=1700000000000
	unset VA_PAY_TOKEN
}

# sent PATTERN: how many requests in the stand-in's log match.
sent() {
	grep -c -- "$1" "$BATS_TEST_TMPDIR/requests" || true
}

# A port nothing listens on.
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

says() {	# STATUS SAY-REGEX
	echo "$out" | jq -e --arg s "$1" --arg r "$2" '.status == $s and (.say | test($r))'
}

@test "va-pay: stripe statuses in words" {
	start_support
	pay stripe status '{"payment":"pi_succeeded"}'
	says ok '^Your payment of 25 dollars and 99 cents went through\.$'
	pay stripe status '{"payment":"pi_processing"}'
	says ok 'still being processed'
	pay stripe status '{"payment":"pi_action"}'
	says ok 'confirm it with your bank'
	pay stripe status '{"payment":"pi_capture"}'
	says ok 'charged when the order ships'
	pay stripe status '{"payment":"pi_canceled"}'
	says ok 'not been charged'
	pay stripe status '{"payment":"pi_new"}'
	says ok 'has not been completed yet'
}

@test "va-pay: stripe declines put in words, never 'stolen'" {
	start_support
	pay stripe status '{"payment":"pi_funds"}'
	says ok 'did not go through: the bank said there was not enough money'
	echo "$out" | jq -e '.data.decline_code == "insufficient_funds"'
	pay stripe status '{"payment":"pi_expired"}'
	says ok 'the card has expired'
	pay stripe status '{"payment":"pi_lost"}'
	says ok 'declined the card without giving us a reason'
	! echo "$out" | jq -r .say | grep -qi 'lost\|stolen'
}

@test "va-pay: stripe status by order" {
	start_support
	pay stripe status '{"order":"1002"}'
	echo "$out" | jq -e '.data.payment == "pi_funds"'
	pay stripe status '{"order":"9999"}'
	says not_found 'find that payment'
}

@test "va-pay: stripe not found" {
	start_support
	pay stripe status '{"payment":"pi_nope"}'
	says not_found 'find that payment'
	KEY=c2:r pay stripe refund '{"payment":"pi_nope","amount":100,"currency":"usd","confirmed":true}'
	says not_found 'find that payment'
	# a request the provider calls wrong is not queued
	[ "$(outbox 'select count(*) from outbox')" -eq 0 ]
}

@test "va-pay: stripe bad credentials" {
	start_support
	TOKEN=sk_test_wrong pay stripe status '{"payment":"pi_succeeded"}'
	says unavailable "can't reach our payment system"
	grep -q '"diag":"auth_rejected"' "$BATS_TEST_TMPDIR/err"
	! grep -q 'sk_test_wrong' "$BATS_TEST_TMPDIR/err"
}

@test "va-pay: stripe rate limited, then recovers" {
	start_support
	misbehave '[{"match":"GET","do":"429","times":1}]'
	pay stripe status '{"payment":"pi_succeeded"}'
	says ok 'went through'
}

@test "va-pay: stripe timeout" {
	start_support
	misbehave '[{"match":"GET","do":"slow","delay_ms":1500}]'
	pay stripe status '{"payment":"pi_succeeded"}'
	says unavailable "can't reach"
}

@test "va-pay: stripe malformed body" {
	start_support
	misbehave '[{"match":"GET","do":"malformed"}]'
	pay stripe status '{"payment":"pi_succeeded"}'
	says unavailable "can't reach"
}

@test "va-pay: stripe refund exactly once, replayed or retried" {
	start_support
	R='{"payment":"pi_succeeded","amount":1500,"currency":"usd","confirmed":true}'
	KEY=c2:refund pay stripe refund "$R"
	says ok "^I've refunded 15 dollars\\."
	# the pipeline replayed: answered from the store
	KEY=c2:refund pay stripe refund "$R"
	echo "$out" | jq -e '.status == "ok" and .cached == true'
	# the store lost too: the Idempotency-Key makes Stripe replay it
	rm -f "$DB" "$DB-wal" "$DB-shm"
	KEY=c2:refund pay stripe refund "$R"
	echo "$out" | jq -e '.status == "ok" and .data.refund == "re_va000001"'
	[ "$(refunds stripe_refunds)" -eq 1 ]
	grep -q '"idempotency-key":"c2:refund"' "$BATS_TEST_TMPDIR/requests"
	grep '/v1/refunds' "$BATS_TEST_TMPDIR/requests" | grep -q 'payment_intent=pi_succeeded&amount=1500&reason=requested_by_customer'
}

@test "va-pay: stripe refund timed out is retried with the same key, once" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"slow","delay_ms":800,"times":1}]'
	KEY=c2:refund pay stripe refund '{"payment":"pi_succeeded","amount":1500,"currency":"usd","confirmed":true}'
	says ok "refunded"
	sleep 1
	[ "$(refunds stripe_refunds)" -eq 1 ]
}

@test "va-pay: stripe refund already made in full" {
	start_support
	KEY=c2:a pay stripe refund '{"payment":"pi_succeeded","amount":2599,"currency":"usd","confirmed":true}'
	says ok refunded
	KEY=c2:b pay stripe refund '{"payment":"pi_succeeded","amount":100,"currency":"usd","confirmed":true}'
	says refused 'already been refunded'
	[ "$(outbox 'select count(*) from outbox')" -eq 0 ]
}

@test "va-pay: kill -9 after the refund, rerun refunds once" {
	start_support
	printf '{"type":"action","call":"c2","turn":2,"t_ms":8000,"tool":"pay","op":"refund","key":"c2:k","params":{"payment":"pi_succeeded","amount":700,"currency":"usd","confirmed":true}}\n' >"$BATS_TEST_TMPDIR/in"
	run env VA_TEST_KILL_AT=refunded VA_PAY_TOKEN=sk_test_va "$VA_BIN/va-pay" --db "$DB" --url "$BASE" <"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 137 ]
	KEY=c2:k pay stripe refund '{"payment":"pi_succeeded","amount":700,"currency":"usd","confirmed":true}'
	says ok 'refunded 7 dollars'
	[ "$(refunds stripe_refunds)" -eq 1 ]
}

@test "va-pay: adyen payment link statuses" {
	start_support
	pay adyen status '{"payment":"PL61C53A8B97E6915A"}'
	says ok '^Your payment of 25 euros and 99 cents went through\.$'
	pay adyen status '{"payment":"PL0A6D3F4C0F1D8A21"}'
	says ok 'not received your payment'
	pay adyen status '{"payment":"PL7E2B9C0D1E2F3A44"}'
	says ok 'still being processed'
	pay adyen status '{"payment":"PL1B2C3D4E5F6A7B88"}'
	says ok 'expired'
	pay adyen status '{"order":"1001"}'
	says invalid 'payment reference'
	grep -q '"x-api-key":"adyen-test-key"' "$BATS_TEST_TMPDIR/requests"
}

@test "va-pay: adyen not found" {
	start_support
	pay adyen status '{"payment":"PLNOPE"}'
	says not_found 'find that payment'
	KEY=c3:r pay adyen refund '{"payment":"993617894903489A","amount":100,"currency":"EUR","confirmed":true}'
	says not_found 'find that payment'
}

@test "va-pay: adyen bad credentials" {
	start_support
	TOKEN=wrong pay adyen status '{"payment":"PL61C53A8B97E6915A"}'
	says unavailable "can't reach"
	grep -q '"diag":"auth_rejected"' "$BATS_TEST_TMPDIR/err"
}

@test "va-pay: adyen rate limited, then recovers" {
	start_support
	misbehave '[{"match":"refunds","do":"429","times":1}]'
	KEY=c3:refund pay adyen refund '{"payment":"993617894903480A","amount":1500,"currency":"EUR","confirmed":true}'
	says ok "asked for a refund of 15 euros"
	[ "$(refunds adyen_refunds)" -eq 1 ]
}

@test "va-pay: adyen timeout" {
	start_support
	misbehave '[{"match":"GET","do":"slow","delay_ms":1500}]'
	pay adyen status '{"payment":"PL61C53A8B97E6915A"}'
	says unavailable "can't reach"
}

# A garbled answer leaves it open whether the refund was made: it is
# queued, and the resend with the same key settles it.
@test "va-pay: adyen malformed body" {
	start_support
	misbehave '[{"match":"refunds","do":"malformed"}]'
	KEY=c3:refund pay adyen refund '{"payment":"993617894903480A","amount":1500,"currency":"EUR","confirmed":true}'
	says queued "isn't answering right now"
	[ "$(outbox "select count(*) from outbox where state = 'pending'")" -eq 1 ]
}

@test "va-pay: adyen refund exactly once, with the key echoed" {
	start_support
	R='{"payment":"993617894903480A","amount":1500,"currency":"eur","confirmed":true,"reason":"return"}'
	KEY=c3:refund pay adyen refund "$R"
	echo "$out" | jq -e '.status == "ok" and .data.refund_status == "received"'
	rm -f "$DB" "$DB-wal" "$DB-shm"
	KEY=c3:refund pay adyen refund "$R"
	says ok 'asked for a refund'
	[ "$(refunds adyen_refunds)" -eq 1 ]
	grep '/v71/payments/993617894903480A/refunds' "$BATS_TEST_TMPDIR/requests" |
	    grep -q '"body":"{\\"amount\\":{\\"currency\\":\\"EUR\\",\\"value\\":1500},\\"merchantAccount\\":\\"VaShopECOM\\",\\"reference\\":\\"c3:refund\\",\\"merchantRefundReason\\":\\"RETURN\\"}"'
}

# A call in which the caller read out their card number: through va-ticket
# and va-pay with a vendor, then search everything for the digits.
@test "va-pay: no card number in any output, log or database file" {
	start_support
	local d=$BATS_TEST_TMPDIR/call
	mkdir "$d"
	VA_LOG=json VA_LOG_LEVEL=debug VA_TICKET_TOKEN=zd-secret VA_PAY_TOKEN=sk_test_va \
	    sh -c '"$1/va-ticket" --db "$2/va.db" -b zendesk --url "$3" --user agent@example.com |
	    "$1/va-pay" --db "$2/va.db" --url "$3" >"$2/out" 2>"$2/err"' sh \
	    "$VA_BIN" "$d" "$BASE" <"$TESTDATA/va-pay/card-call/input" 2>"$d/err1"
	# the call went on: a ticket was made and the payment answered
	jq -e -s '[.[] | select(.type == "result") | .status] ==
	    ["refused", "refused", "ok", "ok"]' "$d/out"
	[ "$(jq -s '[.[] | select(.type == "error" and .code == "card_data")] | length' "$d/out")" -eq 2 ]
	kill "$SUPPORT_PID"; wait "$SUPPORT_PID" 2>/dev/null || true; SUPPORT_PID=
	for f in "$d"/* "$BATS_TEST_TMPDIR/requests"; do
		for n in 4111111111111111 5500000000000004; do
			! tr -d ' -' <"$f" | grep -q "$n" || { echo "$n in $f"; return 1; }
		done
		! grep -aq '4111 1111\|5500-0000\|5500 0000' "$f" || { echo "card in $f"; return 1; }
	done
}

# Refunds queued while the provider is down (outbox, --drain).

@test "va-pay: stripe down: the refund is queued, --drain makes it once" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"down"}]'
	R='{"payment":"pi_succeeded","amount":1250,"currency":"usd","confirmed":true,"reason":"duplicate"}'
	KEY=c2:q pay stripe refund "$R"
	says queued "^I've asked for a refund of 12 dollars and 50 cents\\. Our payment system isn't answering right now, so it will go through as soon as it does"
	echo "$out" | jq -e '.ok == true and .cached == false and .data.queued == true and .data.amount == 1250'
	jq -e -s '.[1].type == "reply" and (.[1].text | test("go through as soon as it does"))' "$BATS_TEST_TMPDIR/out"
	[ "$(outbox "select kind || ' ' || key || ' ' || state from outbox")" = "refund c2:q pending" ]
	[ "$(outbox "select payload from outbox")" = '{"amount":1250,"call":"c2","currency":"usd","limit":5000,"payment":"pi_succeeded","provider":"stripe","reason":"duplicate"}' ]
	[ "$(refunds stripe_refunds)" -eq 0 ]
	# replayed while queued: the same answer, nothing sent
	n=$(sent '/v1/refunds')
	KEY=c2:q pay stripe refund "$R"
	echo "$out" | jq -e '.status == "queued" and .cached == true'
	[ "$(sent '/v1/refunds')" -eq "$n" ]
	# the provider is back: one request, the same key, the job done
	misbehave '[]'
	drain stripe
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	[ "$(sent '/v1/refunds')" -eq $((n + 1)) ]
	tail -n 1 "$BATS_TEST_TMPDIR/requests" | jq -e '.path == "/v1/refunds" and .headers["idempotency-key"] == "c2:q" and (.body | startswith("payment_intent=pi_succeeded&amount=1250&reason=duplicate&"))'
	[ "$(refunds stripe_refunds)" -eq 1 ]
	[ "$(outbox "select state from outbox")" = done ]
	# a second drain sends nothing
	drain stripe
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":0,"failed":0,"pending":0}' ]
	[ "$(sent '/v1/refunds')" -eq $((n + 1)) ]
	# the call replayed: the refund the drain made, from the store
	KEY=c2:q pay stripe refund "$R"
	echo "$out" | jq -e '.status == "ok" and .cached == true and .data.refund == "re_va000001"'
	says ok "^I've refunded 12 dollars and 50 cents\\."
	[ "$(sent '/v1/refunds')" -eq $((n + 1)) ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
}

@test "va-pay: adyen not listening: the refund is queued, --drain makes it once" {
	start_support
	local up=$BASE
	BASE=http://127.0.0.1:$(closed_port)
	R='{"payment":"993617894903480A","amount":1500,"currency":"eur","confirmed":true,"reason":"return"}'
	KEY=c3:q pay adyen refund "$R"
	says queued "^I've asked for a refund of 15 euros\\. Our payment system isn't answering"
	[ "$(outbox "select kind || ' ' || key || ' ' || state from outbox")" = "refund c3:q pending" ]
	[ "$(outbox "select payload from outbox")" = '{"amount":1500,"call":"c2","currency":"eur","limit":5000,"payment":"993617894903480A","provider":"adyen","reason":"return"}' ]
	# the drain cannot reach it either: backs off, kept
	drain adyen
	[ "$status" -eq 75 ]
	[ "$output" = '{"done":0,"failed":1,"pending":1}' ]
	[ "$(outbox "select attempts from outbox")" -eq 1 ]
	[ -n "$(outbox "select last_error from outbox")" ]
	BASE=$up
	# not due again until the backoff (30 s) has passed
	drain adyen 1700000010000
	[ "$output" = '{"done":0,"failed":0,"pending":1}' ]
	[ ! -e "$BATS_TEST_TMPDIR/requests" ] || [ "$(sent '/refunds')" -eq 0 ]
	drain adyen 1700000031000
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	[ "$(sent '/refunds')" -eq 1 ]
	jq -e -s '.[-1].path == "/v71/payments/993617894903480A/refunds" and .[-1].headers["idempotency-key"] == "c3:q" and (.[-1].body | fromjson | .reference == "c3:q" and .amount.value == 1500 and .amount.currency == "EUR" and .merchantRefundReason == "RETURN")' "$BATS_TEST_TMPDIR/requests"
	[ "$(refunds adyen_refunds)" -eq 1 ]
	[ "$(outbox "select state from outbox")" = done ]
	drain adyen 1700000031000
	[ "$output" = '{"done":0,"failed":0,"pending":0}' ]
	[ "$(sent '/refunds')" -eq 1 ]
	KEY=c3:q pay adyen refund "$R"
	echo "$out" | jq -e '.status == "ok" and .cached == true and .data.refund_status == "received"'
	says ok "^I've asked for a refund of 15 euros\\."
	[ "$(sent '/refunds')" -eq 1 ]
	[ "$(refunds adyen_refunds)" -eq 1 ]
}

# Timed out after the retries: the provider may have made it. The resend
# with the same key is answered with that refund, not a second one.
@test "va-pay: stripe timed out twice: queued, and the resend makes no second refund" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"slow","delay_ms":800,"times":2}]'
	KEY=c2:t pay stripe refund '{"payment":"pi_succeeded","amount":1500,"currency":"usd","confirmed":true}'
	says queued "isn't answering"
	sleep 1
	[ "$(refunds stripe_refunds)" -eq 1 ]
	drain stripe
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
	[ "$(sent '"idempotency-key":"c2:t"')" -eq 3 ]
	KEY=c2:t pay stripe refund '{"payment":"pi_succeeded","amount":1500,"currency":"usd","confirmed":true}'
	echo "$out" | jq -e '.status == "ok" and .cached == true and .data.refund == "re_va000001"'
}

@test "va-pay: stripe 429 after the retries: queued" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"429","times":2}]'
	KEY=c2:r pay stripe refund '{"payment":"pi_succeeded","amount":1500,"currency":"usd","confirmed":true}'
	says queued "isn't answering"
	[ "$(outbox "select count(*) from outbox")" -eq 1 ]
	drain stripe
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
}

# Refused for good during the drain: kept, dead, with the reason.
@test "va-pay: stripe --drain: a refund refused for good is failed and kept" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"503"}]'
	KEY=c2:d pay stripe refund '{"payment":"pi_succeeded","amount":1000,"currency":"usd","confirmed":true}'
	says queued "isn't answering"
	misbehave '[]'
	# meanwhile a person refunded it in full
	KEY=c2:full pay stripe refund '{"payment":"pi_succeeded","amount":2599,"currency":"usd","confirmed":true}'
	says ok refunded
	drain stripe
	[ "$status" -eq 75 ]
	[ "$output" = '{"done":0,"failed":1,"pending":0}' ]
	[ "$(outbox "select state || ' ' || attempts from outbox where key = 'c2:d'")" = "dead 1" ]
	outbox "select last_error from outbox where key = 'c2:d'" | grep -q 'charge_already_refunded'
	echo "$stderr" | grep -q '"diag":"refund_failed"'
	n=$(sent '/v1/refunds')
	drain stripe 1700009999000
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":0,"failed":0,"pending":0}' ]
	[ "$(sent '/v1/refunds')" -eq "$n" ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
	# the call replayed: no longer "queued", the provider's answer
	KEY=c2:d pay stripe refund '{"payment":"pi_succeeded","amount":1000,"currency":"usd","confirmed":true}'
	says refused 'already been refunded'
}

@test "va-pay: adyen --drain: a refund refused for good is failed and kept" {
	start_support
	misbehave '[{"match":"refunds","do":"down"}]'
	KEY=c3:d pay adyen refund '{"payment":"993617894903489A","amount":100,"currency":"EUR","confirmed":true}'
	says queued "isn't answering"
	misbehave '[]'
	drain adyen
	[ "$status" -eq 75 ]
	[ "$output" = '{"done":0,"failed":1,"pending":0}' ]
	[ "$(outbox "select state from outbox")" = dead ]
	outbox "select last_error from outbox" | grep -q '^not_found: .*422'
	[ "$(refunds adyen_refunds)" -eq 0 ]
}

# Killed right after the resend: the lease runs out, the next drain resends
# with the same key and the provider answers with the refund it made.
@test "va-pay: --drain killed after the resend: the next drain refunds once" {
	start_support
	misbehave '[{"match":"POST /v1/refunds","do":"down"}]'
	KEY=c2:k pay stripe refund '{"payment":"pi_succeeded","amount":700,"currency":"usd","confirmed":true}'
	says queued "isn't answering"
	misbehave '[]'
	VA_TEST_KILL_AT=resent drain stripe
	[ "$status" -eq 137 ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
	[ "$(outbox "select state from outbox")" = pending ]
	drain stripe 1700000061000
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
	[ "$(refunds stripe_refunds)" -eq 1 ]
	KEY=c2:k pay stripe refund '{"payment":"pi_succeeded","amount":700,"currency":"usd","confirmed":true}'
	echo "$out" | jq -e '.status == "ok" and .cached == true and .data.refund == "re_va000001"'
}

@test "va-pay: --drain leaves another provider's refunds alone" {
	start_support
	misbehave '[{"match":"refunds","do":"down"}]'
	KEY=c3:o pay adyen refund '{"payment":"993617894903480A","amount":100,"currency":"EUR","confirmed":true}'
	says queued "isn't answering"
	misbehave '[]'
	n=$(sent '/refunds')
	drain stripe
	[ "$status" -eq 0 ]
	[ "$output" = '{"done":0,"failed":0,"pending":1}' ]
	[ "$(sent '/refunds')" -eq "$n" ]
	# the same instant: the stripe drain gave its lease back
	drain adyen
	[ "$output" = '{"done":1,"failed":0,"pending":0}' ]
}

@test "va-pay: --drain without a key is a configuration error" {
	run --separate-stderr va va-pay --db "$DB" --drain
	[ "$status" -eq 78 ]
	echo "$stderr" | grep -q '"diag":"no_token"'
}

# Nothing of a card reaches the outbox, nor the key.
@test "va-pay: no card number nor key reaches the outbox" {
	start_support
	misbehave '[{"match":"refunds","do":"down"}]'
	KEY=c2:c pay stripe refund '{"payment":"pi_succeeded","amount":100,"currency":"usd","confirmed":true,"reason":"card 4111 1111 1111 1111"}'
	says refused "don't read out card numbers"
	[ "$(outbox "select count(*) from outbox")" -eq 0 ]
	KEY=c2:c2 pay stripe refund '{"payment":"pi_succeeded","amount":100,"currency":"usd","confirmed":true,"reason":"duplicate"}'
	says queued "isn't answering"
	[ "$(outbox "select count(*) from outbox")" -eq 1 ]
	outbox "select payload from outbox" | jq -e 'keys == ["amount","call","currency","limit","payment","provider","reason"]'
	for f in "$DB"*; do
		! tr -d ' -' <"$f" | grep -aq 4111111111111111 || { echo "card in $f"; return 1; }
		! grep -aq sk_test_va "$f" || { echo "key in $f"; return 1; }
	done
}
