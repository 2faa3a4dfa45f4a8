#!/usr/bin/env bats
# va-pay: golden cases in testdata/va-pay/, Stripe and Adyen against
# tests/standin/support.py (statuses in words, success, not found, bad
# credentials, rate limiting, timeout, malformed body), refunds exactly once,
# and a call in which a card number was spoken leaving no trace anywhere.

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
	[ -n "$SUPPORT_PID" ] && kill "$SUPPORT_PID" 2>/dev/null
	wait 2>/dev/null || true
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

@test "va-pay: adyen malformed body" {
	start_support
	misbehave '[{"match":"refunds","do":"malformed"}]'
	KEY=c3:refund pay adyen refund '{"payment":"993617894903480A","amount":1500,"currency":"EUR","confirmed":true}'
	says unavailable "can't reach"
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
	kill "$SUPPORT_PID"; wait 2>/dev/null || true; SUPPORT_PID=
	for f in "$d"/* "$BATS_TEST_TMPDIR/requests"; do
		for n in 4111111111111111 5500000000000004; do
			! tr -d ' -' <"$f" | grep -q "$n" || { echo "$n in $f"; return 1; }
		done
		! grep -aq '4111 1111\|5500-0000\|5500 0000' "$f" || { echo "card in $f"; return 1; }
	done
}
