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
	! grep -q shpat_secret_value "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.type == "result")][0].status == "unavailable"' "$BATS_TEST_TMPDIR/out"
}
