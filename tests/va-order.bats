#!/usr/bin/env bats
# va-order: golden cases in testdata/va-order/ against the shop stand-in
# (tests/standin/shops.py), and behaviour tests.

load helpers

# order_case CASE: run_case, with the shop stand-in started for the case
# when it has a "standin" file (the stand-in's arguments), the orders named
# in "preload" imported first, and the stand-in's request log compared with
# "requests" when there is one (rewritten under VA_GOLDEN=1).
order_case() {
	local dir=$TESTDATA/va-order/$1 rc=0 pf
	: >"$BATS_TEST_TMPDIR/shop-requests"
	if [ -f "$dir/standin" ]; then
		pf=$BATS_TEST_TMPDIR/shop-port
		rm -f "$pf"
		# shellcheck disable=SC2046
		python3 "$TOP/tests/standin/shops.py" --port-file "$pf" \
		    --log "$BATS_TEST_TMPDIR/shop-requests" --clock 1700000000 \
		    $(cat "$dir/standin") &
		SHOPS_PID=$!
		for _ in $(seq 1 100); do
			[ -s "$pf" ] && break
			sleep 0.05
		done
		VA_TEST_PORT=$(cat "$pf")
		export VA_TEST_PORT
	fi
	if [ -f "$dir/preload" ]; then
		VA_DB=$BATS_TEST_TMPDIR/va.db "$VA_BIN/va-order" import \
		    "$dir/$(cat "$dir/preload")" 2>/dev/null || true
	fi
	run_case va-order "$1" || rc=1
	if [ -n "${SHOPS_PID:-}" ]; then
		kill "$SHOPS_PID" 2>/dev/null
		wait "$SHOPS_PID" 2>/dev/null || true
		SHOPS_PID=
	fi
	if [ -f "$dir/requests" ]; then
		if [ "${VA_GOLDEN:-}" = 1 ]; then
			cp "$BATS_TEST_TMPDIR/shop-requests" "$dir/requests"
		else
			diff -u "$dir/requests" "$BATS_TEST_TMPDIR/shop-requests" ||
			    rc=1
		fi
	fi
	return $rc
}

@test "va-order: shopify found by number and email" { order_case shopify-ok; }
@test "va-order: shopify not found" { order_case shopify-not-found; }
@test "va-order: shopify bad credentials" { order_case shopify-bad-credentials; }
@test "va-order: shopify 429 then recovery" { order_case shopify-rate-limited; }
@test "va-order: shopify timeout" { order_case shopify-timeout; }
@test "va-order: shopify malformed body" { order_case shopify-malformed; }
@test "va-order: magento found by increment id and email" { order_case magento-ok; }
@test "va-order: magento not found" { order_case magento-not-found; }
@test "va-order: magento bad credentials" { order_case magento-bad-credentials; }
@test "va-order: magento 429 then recovery" { order_case magento-rate-limited; }
@test "va-order: magento timeout" { order_case magento-timeout; }
@test "va-order: magento malformed body" { order_case magento-malformed; }
@test "va-order: woocommerce OAuth 1.0a found" { order_case woo-ok; }
@test "va-order: woocommerce not found" { order_case woo-not-found; }
@test "va-order: woocommerce bad signature" { order_case woo-bad-credentials; }
@test "va-order: woocommerce 429 then recovery" { order_case woo-rate-limited; }
@test "va-order: woocommerce timeout" { order_case woo-timeout; }
@test "va-order: woocommerce malformed body" { order_case woo-malformed; }
@test "va-order: woocommerce basic auth, phone search" { order_case woo-basic; }
@test "va-order: bigcommerce found, 204 shipments" { order_case bigcommerce-ok; }
@test "va-order: bigcommerce not found" { order_case bigcommerce-not-found; }
@test "va-order: bigcommerce bad credentials" { order_case bigcommerce-bad-credentials; }
@test "va-order: bigcommerce 429 then recovery" { order_case bigcommerce-rate-limited; }
@test "va-order: bigcommerce waits X-Rate-Limit-Time-Reset-Ms" { order_case bigcommerce-rate-reset; }
@test "va-order: bigcommerce timeout" { order_case bigcommerce-timeout; }
@test "va-order: bigcommerce malformed body" { order_case bigcommerce-malformed; }
@test "va-order: cache hit" { order_case cache-hit; }
@test "va-order: breaker opens and fails fast" { order_case breaker-open; }
@test "va-order: stale answer when the backend is down" { order_case stale-when-down; }
@test "va-order: routing by store, call prefix, default" { order_case routing; }
@test "va-order: phone search unsupported" { order_case phone-unsupported; }
@test "va-order: other events pass through" { order_case passthrough; }
@test "va-order: card numbers refused" { order_case card-refused; }
@test "va-order: import CSV" { order_case import-csv; }
@test "va-order: import JSON" { order_case import-json; }
@test "va-order: local lookups" { order_case local-lookup; }
@test "va-order: SSML numbers" { order_case ssml; }
@test "va-order: unknown op, bad params" { order_case unknown-op; }
@test "va-order: missing secret" { order_case missing-secret; }
@test "va-order: bad stores file" { order_case bad-stores; }
@test "va-order: print-config" { order_case print-config; }

@test "va-order: import names the file it cannot read, and reads standard input" {
	db=$BATS_TEST_TMPDIR/imp.db
	run va va-order --db "$db" import "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 66 ]
	[[ "$output" == *'"diag":"import_open"'*"missing.json: No such file"* ]]
	printf 'number,status\n1001,shipped\n"1002,lost\n' >"$BATS_TEST_TMPDIR/open.csv"
	run va va-order --db "$db" import "$BATS_TEST_TMPDIR/open.csv"
	[ "$status" -eq 65 ]
	[[ "$output" == *'"diag":"csv_quote"'*"open.csv: line 3: unterminated quote"* ]]
	run va va-order --db "$db" import - <<<'{"orders":[{"number":"1003","status":"shipped"}]}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 orders into store local"* ]]
	run va va-order --db "$db" import - <<<'{"orders":['
	[ "$status" -eq 65 ]
	[[ "$output" == *"standard input:2:"* ]]
	run sqlite3 "$db" "SELECT count(*) FROM shop_orders"
	[ "$output" = 2 ]
}

@test "va-order: results are recorded in the store" {
	db=$BATS_TEST_TMPDIR/rec.db
	va va-order --db "$db" import "$TESTDATA/va-order/local-lookup/orders.csv" 2>/dev/null || true
	va va-order --db "$db" <"$TESTDATA/va-order/local-lookup/input" >/dev/null
	run sqlite3 "$db" "SELECT key, status, say FROM callstate_results WHERE call = 'c1' AND key = 'c1:order1'"
	[ "$status" -eq 0 ]
	[ "$output" = "c1:order1|ok|Your order 1 0 2 3 4 has shipped with UPS and is on its way. The tracking number ends in 7 1 2 7." ]
}

@test "va-order: a refused card number is not stored" {
	db=$BATS_TEST_TMPDIR/card.db
	va va-order --db "$db" <"$TESTDATA/va-order/card-refused/input" >/dev/null 2>&1
	run sqlite3 "$db" "SELECT count(*) FROM callstate_results WHERE key = 'c1:order1'"
	[ "$output" = 0 ]
	! grep -q 4111 "$db"
}

@test "va-order: secrets never reach stderr or print-config" {
	export SHOPIFY_TOKEN=shpat_secret_value MAGENTO_TOKEN=x WOO_KEY=x WOO_SECRET=x BC_TOKEN=x VA_TEST_PORT=9
	printf '%s\n' '{"type":"action","call":"c","tool":"order","op":"lookup","key":"k","params":{"number":"1"}}' |
	    va va-order --db "$BATS_TEST_TMPDIR/s.db" --stores "$TESTDATA/va-order/stores.json" \
	    --tries 1 --timeout-ms 200 -v >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	not grep -q shpat_secret_value "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.type == "result")][0].status == "unavailable"' "$BATS_TEST_TMPDIR/out"
}

# Concurrency (-j): the same golden cases give the same answers when the
# lookups run over the runner; a single call's events keep their order.
@test "va-order -j: shopify found by number and email" { VA_ORDER_CONCURRENCY=8 order_case shopify-ok; }
@test "va-order -j: shopify 429 then recovery" { VA_ORDER_CONCURRENCY=8 order_case shopify-rate-limited; }
@test "va-order -j: shopify timeout" { VA_ORDER_CONCURRENCY=8 order_case shopify-timeout; }
@test "va-order -j: magento found, then its shipments" { VA_ORDER_CONCURRENCY=8 order_case magento-ok; }
@test "va-order -j: magento 429 then recovery" { VA_ORDER_CONCURRENCY=8 order_case magento-rate-limited; }
@test "va-order -j: woocommerce basic auth, phone search" { VA_ORDER_CONCURRENCY=8 order_case woo-basic; }
@test "va-order -j: bigcommerce found, 204 shipments" { VA_ORDER_CONCURRENCY=8 order_case bigcommerce-ok; }
@test "va-order -j: bigcommerce waits X-Rate-Limit-Time-Reset-Ms" { VA_ORDER_CONCURRENCY=8 order_case bigcommerce-rate-reset; }
@test "va-order -j: bigcommerce malformed body" { VA_ORDER_CONCURRENCY=8 order_case bigcommerce-malformed; }
@test "va-order -j: cache hit" { VA_ORDER_CONCURRENCY=8 order_case cache-hit; }
@test "va-order -j: breaker opens and fails fast" { VA_ORDER_CONCURRENCY=8 order_case breaker-open; }
@test "va-order -j: stale answer when the backend is down" { VA_ORDER_CONCURRENCY=8 order_case stale-when-down; }
@test "va-order -j: local lookups" { VA_ORDER_CONCURRENCY=8 order_case local-lookup; }
@test "va-order -j: card numbers refused" { VA_ORDER_CONCURRENCY=8 order_case card-refused; }
@test "va-order -j: unknown op, bad params" { VA_ORDER_CONCURRENCY=8 order_case unknown-op; }
@test "va-order -j: other events pass through" { VA_ORDER_CONCURRENCY=8 order_case passthrough; }

# -j waits for input and lookups in one poll (lib/fetch.c) that, like the
# filter loop, lets SIGINT/SIGTERM in only inside ppoll(2): SIGTERM on an
# idle pipe ends the program at once with 0, the events before it out.
@test "va-order -j: SIGTERM while waiting on an idle pipe exits 0 promptly" {
	export VA_DB=$BATS_TEST_TMPDIR/va.db
	stop_on_idle_pipe '{"type":"a"}' "$VA_BIN/va-order" -j 4
}

# The shop stand-in with its arguments, for the tests below; its stats
# ({"requests","429","max_inflight"}) are written at stop_shops.
start_shops() {
	local pf=$BATS_TEST_TMPDIR/shops.port
	rm -f "$pf" "$BATS_TEST_TMPDIR/shops.stats"
	python3 "$TOP/tests/standin/shops.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/shops.log" \
	    --stats "$BATS_TEST_TMPDIR/shops.stats" "$@" &
	SHOPS_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	VA_TEST_PORT=$(cat "$pf")
	export VA_TEST_PORT VA_DB=$BATS_TEST_TMPDIR/va.db
	export SHOPIFY_TOKEN=shpat_test MAGENTO_TOKEN=mag_test WOO_KEY=ck_test \
	    WOO_SECRET=cs_test BC_TOKEN=bc_test
}

stop_shops() {
	kill "$SHOPS_PID" 2>/dev/null || true
	wait "$SHOPS_PID" 2>/dev/null || true
	SHOPS_PID=
}

# A test that failed half way does not leave its stand-in running (it
# would hold bats's output open).
teardown() {
	if [ -n "${SHOPS_PID:-}" ]; then
		stop_shops
	fi
}

# actions N STORE [FIRST]: N lookups of order 1001, one call each
# (c<i>), each followed by a note of its call; a call "x" with no
# action has an event first.
actions() {
	local i=${3:-1}
	echo '{"type":"call_start","call":"x","turn":0}'
	while [ "$i" -lt $((${3:-1} + $1)) ]; do
		echo "{\"type\":\"action\",\"call\":\"c$i\",\"turn\":$i,\"tool\":\"order\",\"op\":\"lookup\",\"key\":\"c$i:order1\",\"params\":{\"number\":\"1001\",\"store\":\"$2\"}}"
		echo "{\"type\":\"note\",\"call\":\"c$i\",\"turn\":$i}"
		i=$((i + 1))
	done
}

@test "va-order -j: lookups to a slow shop run at once, each answered once, in order per call" {
	start_shops --latency-ms 1500
	actions 20 shopify >"$BATS_TEST_TMPDIR/in"
	va va-order -j 20 --stores "$TESTDATA/va-order/stores.json" \
	    --cache-ttl-ms 0 --budget-ms 20000 --timeout-ms 15000 \
	    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	stop_shops
	# all twenty were at the shop together, not one after another
	jq -e '.requests == 20 and .max_inflight >= 10' "$BATS_TEST_TMPDIR/shops.stats"
	# a call with nothing pending is not held up behind the lookups
	head -1 "$BATS_TEST_TMPDIR/out" | jq -e '.call == "x"'
	# exactly one result and one reply per action, ids kept
	run jq -r -s '[.[] | select(.type == "result") | "\(.call) \(.turn) \(.key) \(.status)"] | sort | join(",")' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "$(for i in $(seq 1 20); do echo "c$i $i c$i:order1 ok"; done | sort | paste -sd,)" ]
	[ "$(grep -c '"type":"reply"' "$BATS_TEST_TMPDIR/out")" -eq 20 ]
	for i in 1 7 20; do
		run jq -r -s --arg c "c$i" '[.[] | select(.call == $c) | .type] | join(" ")' "$BATS_TEST_TMPDIR/out"
		[ "$output" = "result reply note" ]
	done
}

@test "va-order -j: 429s under concurrency are waited out, none reaches the caller" {
	start_shops --mode 429 --count 6
	actions 12 shopify >"$BATS_TEST_TMPDIR/in"
	va va-order -j 12 --stores "$TESTDATA/va-order/stores.json" \
	    --cache-ttl-ms 0 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	stop_shops
	jq -e '.["429"] == 6' "$BATS_TEST_TMPDIR/shops.stats"
	run jq -s '[.[] | select(.type == "result" and .status == "ok")] | length' "$BATS_TEST_TMPDIR/out"
	[ "$output" -eq 12 ]
}

@test "va-order -j: more lookups than Shopify's bucket holds queue, no 429 reaches the caller" {
	# the stand-in enforces the bucket of 40 draining at 4/s
	start_shops --rate 4
	actions 48 shopify >"$BATS_TEST_TMPDIR/in"
	va va-order -j 48 --stores "$TESTDATA/va-order/stores.json" \
	    --cache-ttl-ms 0 --budget-ms 30000 <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out"
	stop_shops
	run jq -s '[.[] | select(.type == "result" and .status == "ok")] | length' "$BATS_TEST_TMPDIR/out"
	[ "$output" -eq 48 ]
}

@test "va-order -j: a burst of failures opens the breaker once; it closes after the cool-down" {
	start_shops --mode flaky --count 12
	actions 12 shopify >"$BATS_TEST_TMPDIR/in"
	va va-order -j 12 --stores "$TESTDATA/va-order/stores.json" --tries 1 \
	    --breaker-threshold 3 --breaker-cooldown-ms 1500 \
	    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	run jq -s '[.[] | select(.type == "result" and .status == "unavailable")] | length' "$BATS_TEST_TMPDIR/out"
	[ "$output" -eq 12 ]
	[ "$(grep -c 'open after' "$BATS_TEST_TMPDIR/err")" -eq 1 ]
	sent=$(wc -l <"$BATS_TEST_TMPDIR/shops.log")
	# open: the next lookups fail fast, honestly, without a request
	actions 5 shopify 20 >"$BATS_TEST_TMPDIR/in2"
	va va-order -j 5 --stores "$TESTDATA/va-order/stores.json" --tries 1 \
	    --breaker-threshold 3 --breaker-cooldown-ms 1500 \
	    <"$BATS_TEST_TMPDIR/in2" >"$BATS_TEST_TMPDIR/out2" 2>"$BATS_TEST_TMPDIR/err2"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/shops.log")" -eq "$sent" ]
	run jq -r -s '[.[] | select(.type == "result") | .status] | unique | join(",")' "$BATS_TEST_TMPDIR/out2"
	[ "$output" = unavailable ]
	grep -q "can't reach our order system" "$BATS_TEST_TMPDIR/out2"
	[ "$(grep -c '"diag":"breaker_open"' "$BATS_TEST_TMPDIR/err2")" -eq 5 ]
	# after the cool-down (the clock moved on 2 s) one trial goes out,
	# succeeds and closes it
	actions 3 shopify 30 >"$BATS_TEST_TMPDIR/in3"
	VA_FIXED_CLOCK=1700000002000 va va-order -j 3 --stores "$TESTDATA/va-order/stores.json" --tries 1 \
	    --breaker-threshold 3 --breaker-cooldown-ms 1500 \
	    <"$BATS_TEST_TMPDIR/in3" >"$BATS_TEST_TMPDIR/out3" 2>/dev/null
	stop_shops
	run sqlite3 "$VA_DB" "SELECT state, failures FROM breaker_state WHERE name = 'order:shopify'"
	[ "$output" = "closed|0" ]
	run jq -s '[.[] | select(.type == "result" and .status == "ok")] | length' "$BATS_TEST_TMPDIR/out3"
	[ "$output" -ge 1 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/shops.log")" -eq $((sent + 1)) ]
}

@test "va-order -j: an overlong line is dropped as without -j, the next action still answered" {
	local d=$BATS_TEST_TMPDIR j
	"$VA_BIN/va-order" import --db "$d/va.db" "$TOP/data/demo/orders.json" 2>/dev/null
	{
		echo '{"type":"call_start","call":"c1","turn":0,"t_ms":0,"by":"t","at":1}'
		printf '{"type":"x","call":"c1","turn":1,"t_ms":1,"by":"t","at":1,"pad":"%0300d"}\n' 0
		echo '{"type":"action","call":"c1","turn":1,"t_ms":2,"by":"t","at":1,"tool":"order","op":"lookup","key":"c1:order","params":{"number":"10234"}}'
	} >"$d/in"
	for j in 1 4; do
		run sh -c "VA_MAX_LINE=200 '$VA_BIN/va-order' -j $j --db '$d/va.db' <'$d/in' >'$d/out$j' 2>'$d/err$j'"
		[ "$status" -eq 65 ]
		grep -q '"diag":"line_too_long","msg":"line 2: longer than 200 bytes"' "$d/err$j"
		jq -e -s '[.[] | select(.type == "result")] | length == 1 and .[0].ok == true' "$d/out$j" >/dev/null
		not grep -q '"pad"' "$d/out$j"
	done
	cmp "$d/out1" "$d/out4"
}
