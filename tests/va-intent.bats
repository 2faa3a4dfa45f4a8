#!/usr/bin/env bats
# va-intent: golden cases in testdata/va-intent/ and behaviour tests.

load helpers

@test "va-intent: spoken card number redacted" { run_case va-intent card-spoken; }
@test "va-intent: entities from spoken words" { run_case va-intent entities; }
@test "va-intent: redaction kinds" { run_case va-intent redact-kinds; }
@test "va-intent: tracking numbers of every carrier" { run_case va-intent tracking-samples; }
@test "va-intent: other events pass, bad lines dropped" { run_case va-intent passthrough; }
@test "va-intent: missing model" { run_case va-intent no-model; }

# The card number said in a call appears in no output and no file written.
@test "va-intent: a spoken card number goes nowhere" {
	cd "$BATS_TEST_TMPDIR"
	VA_DB="$BATS_TEST_TMPDIR/va.db" va va-intent \
	    <"$TESTDATA/va-intent/card-spoken/input" >out 2>err
	not grep -E '4111|four one one one|one one one one' out err
	grep -q '"kind":"card_number"' out
	# Whatever files it left behind hold no card number either.
	not grep -rlE '4111|four one one one' "$BATS_TEST_TMPDIR"/ \
	    --exclude=input
}

@test "va-intent: the 33rd card number of one transcript goes nowhere" {
	cards=$(printf '4111111111111111 and %.0s' $(seq 33))
	printf '{"type":"transcript","call":"c","turn":1,"text":"%s"}\n' \
	    "$cards" | va va-intent >"$BATS_TEST_TMPDIR/out"
	[ "$(grep -c 4111 "$BATS_TEST_TMPDIR/out")" = 0 ]
	grep -q '"kind":"card_number","count":33' "$BATS_TEST_TMPDIR/out"
}

@test "va-intent: train and eval a small model" {
	d=$TESTDATA/va-intent/train-eval
	va va-intent -q train -m "$BATS_TEST_TMPDIR/m" "$d/train.tsv"
	run va va-intent -m "$BATS_TEST_TMPDIR/m" -t 0.5 eval \
	    --text-column utterance --label-column category "$d/test.csv"
	[ "$status" -eq 0 ]
	echo "$output"
	# "what's the weather" is below the threshold: out of scope.
	[ "${lines[-1]}" = "n=4 accuracy=1.0000 macro_f1=1.0000 oos_recall=1.0000" ]
	grep -q "^threshold 0.500" <<<"$output"
}

@test "va-intent: eval without oos labels says na" {
	d=$TESTDATA/va-intent/train-eval
	va va-intent -q train -m "$BATS_TEST_TMPDIR/m" "$d/train.tsv"
	run va va-intent -m "$BATS_TEST_TMPDIR/m" -t 0 eval "$d/train.tsv"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "n=12 accuracy=1.0000 macro_f1=1.0000 oos_recall=na" ]
}

@test "va-intent: a truncated model is refused" {
	head -c 100 "$TOP/build/data/intent/default.model" >"$BATS_TEST_TMPDIR/bad" ||
	    head -c 100 "$VA_BIN/../data/intent/default.model" >"$BATS_TEST_TMPDIR/bad"
	run va va-intent -m "$BATS_TEST_TMPDIR/bad" </dev/null
	[ "$status" -eq 65 ]
	[[ "$output" == *model_format* ]]
}

@test "va-intent: unknown command" {
	run va va-intent frobnicate
	[ "$status" -eq 64 ]
}

# The LLM engine, against tests/standin/llm.py (see its docstring for the
# contract it checks). testdata/va-intent/llm/input: turn 1 the local model
# is sure of, turn 2 it is not.
LLM_CASE=$TESTDATA/va-intent/llm

# start_llm MODE [ARGS...]: the stand-in on $VA_TEST_PORT, logging to
# $BATS_TEST_TMPDIR/llm-requests.
start_llm() {
	local pf=$BATS_TEST_TMPDIR/llm-port
	python3 "$TOP/tests/standin/llm.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/llm-requests" --key test-key \
	    --answers "$LLM_CASE/answers" --mode "$@" &
	STANDIN_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	VA_TEST_PORT=$(cat "$pf")
	export VA_TEST_PORT
}

# llm_run [ARGS...]: va-intent over the LLM case's input with the
# stand-in's key, the intent events in $BATS_TEST_TMPDIR/out.
llm_run() {
	VA_INTENT_LLM_KEY=test-key va va-intent \
	    --llm-url "http://127.0.0.1:$VA_TEST_PORT" "$@" \
	    <"$LLM_CASE/input" >"$BATS_TEST_TMPDIR/all" \
	    2>"$BATS_TEST_TMPDIR/err"
	jq -c 'select(.type == "intent")' "$BATS_TEST_TMPDIR/all" \
	    >"$BATS_TEST_TMPDIR/out"
}

# The local answer to turn 2, without any LLM.
local_intent() {
	va va-intent <"$LLM_CASE/input" |
	    jq -r 'select(.type == "intent" and .turn == 2) | .intent'
}

teardown() {
	stop_standin
}

@test "va-intent: an unsure turn goes to the LLM and its answer is used" {
	start_llm ok
	llm_run
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	run jq -c 'select(.turn == 2) | [.intent, .confidence, .engine,
	    (.llm_ms | type), .llm_error]' "$BATS_TEST_TMPDIR/out"
	[ "$output" = '["return_refund",0.9,"llm","number",null]' ]
	# Exactly one request, with the key, the schema and the text.
	run jq -c '[.path, .auth, .schema, .text, (.labels | index("oos") != null)]' \
	    "$BATS_TEST_TMPDIR/llm-requests"
	[ "$output" = '["/v1/chat/completions","ok",true,"can you do something about the thing",true]' ]
}

@test "va-intent: a sure turn never calls the LLM" {
	start_llm ok
	head -1 "$LLM_CASE/input" | VA_INTENT_LLM_KEY=test-key va va-intent \
	    --llm-url "http://127.0.0.1:$VA_TEST_PORT" |
	    jq -c 'select(.type == "intent")' >"$BATS_TEST_TMPDIR/out"
	cat "$BATS_TEST_TMPDIR/out"
	run jq -c '[.intent, .engine, has("llm_ms"), .confidence >= 0.5]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = '["greeting","linear",false,true]' ]
	[ ! -s "$BATS_TEST_TMPDIR/llm-requests" ]
}

@test "va-intent: an LLM timeout falls back to the local answer" {
	start_llm slow --delay-ms 3000
	want=$(local_intent)
	llm_run --llm-timeout-ms 300 --llm-tries 1
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	run jq -c 'select(.turn == 2) | [.intent, .engine, .llm_error]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = "[\"$want\",\"linear\",\"llm_timeout\"]" ]
	grep -q '"diag":"llm_timeout"' "$BATS_TEST_TMPDIR/err"
}

@test "va-intent: a rejected LLM key falls back, the key never shown" {
	start_llm 401
	want=$(local_intent)
	llm_run
	run jq -c 'select(.turn == 2) | [.intent, .engine, .llm_error]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = "[\"$want\",\"linear\",\"llm_auth\"]" ]
	VA_INTENT_LLM_KEY=test-key va va-intent --print-config \
	    >"$BATS_TEST_TMPDIR/cfg"
	run grep -l test-key "$BATS_TEST_TMPDIR/all" "$BATS_TEST_TMPDIR/err" \
	    "$BATS_TEST_TMPDIR/llm-requests" "$BATS_TEST_TMPDIR/cfg"
	[ "$status" -eq 1 ]
}

@test "va-intent: a malformed LLM answer falls back to the local answer" {
	start_llm malformed
	want=$(local_intent)
	llm_run
	run jq -c 'select(.turn == 2) | [.intent, .engine, .llm_error]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = "[\"$want\",\"linear\",\"llm_protocol\"]" ]
}

@test "va-intent: a 429 from the LLM is retried after Retry-After" {
	start_llm 429once
	llm_run
	run jq -c 'select(.turn == 2) | [.intent, .engine]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = '["return_refund","llm"]' ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/llm-requests")" -eq 2 ]
}

@test "va-intent: an LLM that keeps answering 429 falls back" {
	start_llm 429
	want=$(local_intent)
	llm_run --llm-tries 1
	run jq -c 'select(.turn == 2) | [.intent, .engine, .llm_error]' \
	    "$BATS_TEST_TMPDIR/out"
	[ "$output" = "[\"$want\",\"linear\",\"llm_unavailable\"]" ]
}

@test "va-intent: an LLM URL that is not http(s) is refused at start" {
	run va va-intent --llm-url ftp://example.com </dev/null
	[ "$status" -eq 64 ]
}
