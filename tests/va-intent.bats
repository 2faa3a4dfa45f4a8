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
	! grep -E '4111|four one one one|one one one one' out err
	grep -q '"kind":"card_number"' out
	# Whatever files it left behind hold no card number either.
	! grep -rlE '4111|four one one one' "$BATS_TEST_TMPDIR"/ \
	    --exclude=input
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
