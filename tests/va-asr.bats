#!/usr/bin/env bats
# va-asr: golden cases in testdata/va-asr/ and behaviour tests.

load helpers

@test "va-asr: wav files at 16 kHz" { run_case va-asr file-16k; }
@test "va-asr: telephone audio folded to 16 kHz" { run_case va-asr file-8k; }
@test "va-asr: telephone audio plainly upsampled" { run_case va-asr upsample-8k; }
@test "va-asr: inline s16le audio" { run_case va-asr inline-8k; }
@test "va-asr: expect member switches the grammar" { run_case va-asr expect-member; }
@test "va-asr: --lm digits" { run_case va-asr lm-digits; }
@test "va-asr: lead-in and tail words around digits and yes/no" { run_case va-asr carrier-phrases; }
@test "va-asr: bad audio becomes error events" { run_case va-asr bad-audio; }
@test "va-asr: malformed line" { run_case va-asr malformed; }
@test "va-asr: unknown language model" { run_case va-asr bad-lm; }
@test "va-asr: unknown engine" { run_case va-asr bad-engine; }
@test "va-asr: operands refused" { run_case va-asr operand; }
@test "va-asr: print-config masks the key" { run_case va-asr print-config; }
@test "va-asr: openai verbose_json" { run_case va-asr openai; }
@test "va-asr: openai plain json" { run_case va-asr openai-plain-json; }
@test "va-asr: deepgram" { run_case va-asr deepgram; }
@test "va-asr: remote 5xx retried, then an error event" { run_case va-asr remote-5xx; }
@test "va-asr: remote timeout is an error event" { run_case va-asr remote-timeout; }
@test "va-asr: remote credentials rejected" { run_case va-asr remote-auth; }
@test "va-asr: remote answer not JSON" { run_case va-asr remote-bad-json; }
@test "va-asr: remote answer without a transcript" { run_case va-asr remote-no-transcript; }
@test "va-asr: remote engine unreachable" { run_case va-asr remote-unreachable; }

# The pipeline of the README: segment a recorded call, then recognize it.
@test "va-asr: va-listen | va-asr on a recorded call" {
	local want=$TESTDATA/va-asr/pipeline-call8/expected
	cd "$TESTDATA/audio"
	va va-listen call8.wav | va va-asr --db '' >"$BATS_TEST_TMPDIR/out"
	if [ "${VA_GOLDEN:-}" = 1 ]; then
		mkdir -p "$(dirname "$want")"
		cp "$BATS_TEST_TMPDIR/out" "$want"
	fi
	diff -u "$want" "$BATS_TEST_TMPDIR/out"
}

# The store says what turn 2 should hold; va-asr decodes it with that.
@test "va-asr: expectation from the store" {
	command -v sqlite3 >/dev/null || skip "needs the sqlite3 shell"
	db=$BATS_TEST_TMPDIR/va.db
	: >"$db"
	echo '{"type":"x"}' | va va-asr --db "$db" >/dev/null
	sqlite3 "$db" "INSERT INTO callstate_turns (call, turn, expect, at)
	    VALUES ('c1', 1, 'order_number', 0)"
	printf '%s\n' \
	    '{"type":"utterance","call":"c1","turn":1,"audio":{"format":"wav","rate":16000,"channels":1,"file":"'"$TESTDATA"'/va-asr/audio/digits16.wav"}}' \
	    '{"type":"utterance","call":"c1","turn":2,"audio":{"format":"wav","rate":16000,"channels":1,"file":"'"$TESTDATA"'/va-asr/audio/digits16.wav"}}' |
	    VA_DB=$db va va-asr >"$BATS_TEST_TMPDIR/out"
	run jq -r '[.turn, .lm] | @tsv' "$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = "$(printf '1\tdomain')" ]
	[ "${lines[1]}" = "$(printf '2\tdigits')" ]
}

# Without the fixed clock the engine time is measured.
@test "va-asr: proc_ms and at are real without VA_FIXED_CLOCK" {
	cd "$TESTDATA/va-asr/file-8k"
	env -u VA_FIXED_CLOCK $VA_WRAP "$VA_BIN/va-asr" --db '' <input \
	    >"$BATS_TEST_TMPDIR/out"
	jq -e -s 'length == 2 and all(.proc_ms >= 1 and .at > 1700000000000)' \
	    "$BATS_TEST_TMPDIR/out"
}

start_asr_standin() {
	local pf=$BATS_TEST_TMPDIR/port
	python3 "$TOP/tests/standin/asr.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/requests" "$@" &
	STANDIN_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	PORT=$(cat "$pf")
}

one_utterance() {
	printf '{"type":"utterance","call":"c1","turn":1,"start_ms":500,"audio":{"format":"wav","rate":8000,"channels":1,"file":"%s"}}\n' \
	    "$TESTDATA/va-asr/audio/yes8.wav"
}

@test "va-asr: openai request follows the API (stand-in)" {
	start_asr_standin --key sk-1 --text "Yes, please."
	one_utterance | VA_ASR_API_KEY=sk-1 va va-asr --engine openai \
	    --url "http://127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/out"
	stop_standin
	jq -e '.type == "transcript" and .text == "Yes, please." and
	    .engine == "openai" and .lm == "whisper-1" and
	    (.words | map(.w)) == ["Yes,", "please."] and
	    .words[0].start_ms == 500 and .confidence == 0.779' \
	    "$BATS_TEST_TMPDIR/out"
	jq -e '.path == "/v1/audio/transcriptions" and
	    .authorization == "Bearer sk-1" and
	    .content_type == "multipart/form-data" and
	    .fields.file.type == "audio/wav" and .fields.file.rate == 8000 and
	    .fields.model == ["whisper-1"] and .fields.language == ["en"] and
	    .fields.response_format == ["verbose_json"] and
	    (.fields["timestamp_granularities[]"] | index("word") != null)' \
	    "$BATS_TEST_TMPDIR/requests"
}

@test "va-asr: deepgram request follows the API (stand-in)" {
	start_asr_standin --key dg-1 --text "Yes please"
	one_utterance | VA_ASR_API_KEY=dg-1 va va-asr --engine deepgram \
	    --url "http://127.0.0.1:$PORT" --remote-model nova-3 \
	    >"$BATS_TEST_TMPDIR/out"
	stop_standin
	jq -e '.type == "transcript" and .text == "Yes please" and
	    .engine == "deepgram" and .lm == "nova-3" and
	    .confidence == 0.97 and (.words | length) == 2 and
	    .words[1].conf == 0.98' "$BATS_TEST_TMPDIR/out"
	jq -e '.path == "/v1/listen" and .authorization == "Token dg-1" and
	    .content_type == "audio/wav" and .query.model == ["nova-3"] and
	    .query.language == ["en"] and .bytes > 20000' \
	    "$BATS_TEST_TMPDIR/requests"
}

@test "va-asr: a wrong key is an error event, and the pipeline goes on" {
	start_asr_standin --key right
	{ one_utterance; echo '{"type":"reply","text":"still here"}'; } |
	    VA_ASR_API_KEY=wrong va va-asr --engine openai \
	    --url "http://127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/out"
	stop_standin
	run jq -r '.type + ":" + (.code // .text)' "$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = "error:engine_auth" ]
	[ "${lines[1]}" = "reply:still here" ]
}

@test "va-asr: the key can come from a file" {
	start_asr_standin --key from-file
	echo from-file >"$BATS_TEST_TMPDIR/key"
	one_utterance | VA_ASR_API_KEY_FILE=$BATS_TEST_TMPDIR/key \
	    va va-asr --engine deepgram --url "http://127.0.0.1:$PORT" \
	    >"$BATS_TEST_TMPDIR/out"
	stop_standin
	jq -e '.type == "transcript"' "$BATS_TEST_TMPDIR/out"
}

@test "va-asr: --help lists the options" {
	run va va-asr --help
	[ "$status" -eq 0 ]
	for o in engine lm model dict narrowband fold-db pad-ms sphinx-args \
	    telephone db wait-expect url remote-model language timeout-ms \
	    tries mllr dump-pcm; do
		echo "$output" | grep -q -- "--$o" || { echo "no --$o"; return 1; }
	done
}

# An MLLR transform for the 3 streams of 13 of the en-us model: every
# mean scaled by A (a number) and moved by B.
mllr_file() {	# mllr_file A B >FILE
	awk -v a="$1" -v b="$2" 'BEGIN { print 1; print 3
		for (s = 0; s < 3; s++) { print 13
			for (i = 0; i < 13; i++) { l = ""
				for (j = 0; j < 13; j++) l = l (i == j ? a : 0) " "
				print l }
			l = ""; for (i = 0; i < 13; i++) l = l b " "; print l
			l = ""; for (i = 0; i < 13; i++) l = l "1.0 "; print l } }'
}

@test "va-asr: --mllr shipped still recognizes telephone audio" {
	cd "$TESTDATA/va-asr/file-8k"
	va va-asr --db '' --mllr shipped <input >"$BATS_TEST_TMPDIR/out"
	run jq -r 'select(.type == "transcript") | .text' "$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = "one two three four five" ]
	[ "${lines[1]}" = "yes please" ]
}

# wide.wav: the 16 kHz digits with a 6 kHz whistle, which no 8 kHz line
# carries (the flite voice alone has too little above 4 kHz to count as
# wideband).
wideband_input() {
	python3 - "$TESTDATA/va-asr/audio/digits16.wav" \
	    "$BATS_TEST_TMPDIR/wide.wav" <<-'EOF'
	import array, math, sys, wave
	with wave.open(sys.argv[1]) as w:
	    p, a = w.getparams(), array.array("h", w.readframes(w.getnframes()))
	for i in range(len(a)):
	    a[i] = max(-32768, min(32767, a[i] + int(
	        3000 * math.sin(2 * math.pi * 6000 * i / p.framerate))))
	with wave.open(sys.argv[2], "wb") as w:
	    w.setparams(p)
	    w.writeframes(a.tobytes())
	EOF
	printf '{"type":"utterance","call":"c1","turn":1,"audio":{"format":"wav","file":"%s"}}\n' \
	    "$BATS_TEST_TMPDIR/wide.wav"
}

@test "va-asr: --mllr adapts narrowband audio only" {
	mllr_file 0.2 3 >"$BATS_TEST_TMPDIR/bad.mllr"
	cd "$TESTDATA/va-asr/file-8k"
	va va-asr --db '' <input >"$BATS_TEST_TMPDIR/plain8"
	VA_ASR_MLLR=$BATS_TEST_TMPDIR/bad.mllr va va-asr --db '' <input \
	    >"$BATS_TEST_TMPDIR/bad8"
	# Means moved far away: the 8 kHz turns are heard differently ...
	not cmp -s "$BATS_TEST_TMPDIR/plain8" "$BATS_TEST_TMPDIR/bad8"
	wideband_input >"$BATS_TEST_TMPDIR/wide"
	va va-asr --db '' <"$BATS_TEST_TMPDIR/wide" >"$BATS_TEST_TMPDIR/plain16"
	va va-asr --db '' --mllr "$BATS_TEST_TMPDIR/bad.mllr" \
	    <"$BATS_TEST_TMPDIR/wide" >"$BATS_TEST_TMPDIR/bad16"
	# ... and wideband audio exactly as without the transform.
	jq -e '.type == "transcript" and .text != ""' "$BATS_TEST_TMPDIR/plain16"
	cmp "$BATS_TEST_TMPDIR/plain16" "$BATS_TEST_TMPDIR/bad16"
}

@test "va-asr: a missing or corrupt transform is a clear error" {
	run va va-asr --db '' --mllr "$BATS_TEST_TMPDIR/none.mllr" </dev/null
	[ "$status" -eq 66 ]
	echo "$output" | grep -q "none.mllr: cannot open the transform"
	echo "not a transform" >"$BATS_TEST_TMPDIR/text.mllr"
	run va va-asr --db '' --mllr "$BATS_TEST_TMPDIR/text.mllr" </dev/null
	[ "$status" -eq 66 ]
	echo "$output" | grep -q "text.mllr: not an MLLR transform"
	# Cut short, or made for other feature streams.
	mllr_file 1 0 | head -n 30 >"$BATS_TEST_TMPDIR/short.mllr"
	run va va-asr --db '' --mllr "$BATS_TEST_TMPDIR/short.mllr" </dev/null
	[ "$status" -eq 66 ]
	echo "$output" | grep -q "short.mllr: not an MLLR transform"
	mllr_file 1 0 | sed '2s/3/1/' >"$BATS_TEST_TMPDIR/streams.mllr"
	run va va-asr --db '' --mllr "$BATS_TEST_TMPDIR/streams.mllr" </dev/null
	[ "$status" -eq 66 ]
	echo "$output" | grep -q "streams.mllr: not an MLLR transform"
}

@test "va-asr: --dump-pcm writes the engine's input instead of decoding" {
	cd "$TESTDATA/va-asr/file-8k"
	mkdir "$BATS_TEST_TMPDIR/pcm"
	va va-asr --db '' --dump-pcm "$BATS_TEST_TMPDIR/pcm" <input \
	    >"$BATS_TEST_TMPDIR/out"
	not grep -q transcript "$BATS_TEST_TMPDIR/out"
	# 16-bit samples at 16 kHz: twice the 8 kHz file's frames, in bytes
	# twice again (within the resampler's rounding).
	frames=$(python3 -c "import wave; print(wave.open('../audio/digits8.wav').getnframes())")
	bytes=$(stat -c %s "$BATS_TEST_TMPDIR/pcm/t1-1.raw")
	[ $((bytes - frames * 4)) -le 8 ] && [ $((frames * 4 - bytes)) -le 8 ]
	[ -s "$BATS_TEST_TMPDIR/pcm/t1-2.raw" ]
}

@test "va-asr: the general language model (slow to load)" {
	[ "${VALGRIND:-}" = 1 ] && skip "loads 30 MB of model: too slow under valgrind"
	cd "$TESTDATA/va-asr/file-16k"
	run sh -c "'$VA_BIN/va-asr' --db '' --lm general <input | jq -r 'select(.type == \"transcript\") | .lm + \": \" + .text'"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "general: one two three four five" ]
}

@test "va-asr: the grammars' insertion penalty keeps a lone digit alone" {
	printf '{"type":"utterance","call":"c1","turn":1,"audio":{"format":"wav","file":"%s"}}\n' \
	    "$TESTDATA/va-asr/audio/one8.wav" >"$BATS_TEST_TMPDIR/in"
	va va-asr --db '' --lm digits <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out"
	run jq -r 'select(.type == "transcript") | .text' "$BATS_TEST_TMPDIR/out"
	[ "$output" = "one" ]
	# Without it (pocketsphinx's own -wip) a word is inserted.
	va va-asr --db '' --lm digits --grammar-wip 0 <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out0"
	run jq -r 'select(.type == "transcript") | .text' "$BATS_TEST_TMPDIR/out0"
	[ "$(echo "$output" | wc -w)" -gt 1 ]
	case "$output" in one*) ;; *) false ;; esac
}

@test "va-asr: --grammar-wip takes a probability" {
	for bad in x 2 -1 1e-3x ''; do
		run va va-asr --db '' --grammar-wip "$bad" </dev/null
		[ "$status" -eq 64 ]
		echo "$output" | grep -q -- "--grammar-wip is a number from 0 to 1"
	done
	VA_ASR_GRAMMAR_WIP=0.01 run va va-asr --print-config
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.options["grammar-wip"] == {"value":"0.01","source":"env VA_ASR_GRAMMAR_WIP"}'
}
