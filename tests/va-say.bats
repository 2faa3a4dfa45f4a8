#!/usr/bin/env bats
# va-say: golden cases in testdata/va-say/ and behaviour tests: the audio
# is real speech, the prompt cache, files, the remote engine against
# tests/standin/tts.py.

load helpers

@test "va-say: reply passes on, speech follows" { run_case va-say basic; }
@test "va-say: SSML break and say-as" { run_case va-say ssml; }
@test "va-say: numbers, money, dates, codes, phones" { run_case va-say normalize; }
@test "va-say: long sentence split into phrases" { run_case va-say phrases; }
@test "va-say: the first phrase of a reply cut short" { run_case va-say lead; }
@test "va-say: --max-words 0 --first-words 0 keep sentences whole" { run_case va-say no-split; }
@test "va-say: mu-law for telephony" { run_case va-say mulaw; }
@test "va-say: wav at 8 kHz" { run_case va-say wav; }
@test "va-say: ogg/opus" { run_case va-say opus; }
@test "va-say: voice kal" { run_case va-say kal; }
@test "va-say: --pause-ms" { run_case va-say pause; }
@test "va-say: pipeline fields carried forward" { run_case va-say carry-forward; }
@test "va-say: reply without text is an error event" { run_case va-say no-text; }
@test "va-say: nothing to say" { run_case va-say empty-text; }
@test "va-say: malformed line" { run_case va-say malformed; }
@test "va-say: bad format" { run_case va-say bad-format; }
@test "va-say: bad engine" { run_case va-say bad-engine; }
@test "va-say: bad voice" { run_case va-say bad-voice; }
@test "va-say: opus rate" { run_case va-say opus-rate; }
@test "va-say: operand refused" { run_case va-say operand; }
@test "va-say: print-config masks the key" { run_case va-say print-config; }
@test "va-say: --audio-dir must exist" { run_case va-say no-audio-dir; }

reply() {	# reply TEXT [CALL]: one reply event
	jq -cn --arg t "$1" --arg c "${2:-c1}" \
	    '{type: "reply", call: $c, turn: 1, t_ms: 100, text: $t}'
}

# start_tts ARGS...: the speech server stand-in on $TTS_PORT.
start_tts() {
	local pf=$BATS_TEST_TMPDIR/tts.port
	python3 "$TOP/tests/standin/tts.py" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/tts.log" "$@" &
	TTS_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	TTS_PORT=$(cat "$pf")
	TTS_URL=http://127.0.0.1:$TTS_PORT
}

teardown() {
	if [ -n "${TTS_PID:-}" ]; then
		kill "$TTS_PID" 2>/dev/null
		wait "$TTS_PID" 2>/dev/null || true
	fi
}

# The audio is speech: va-listen finds one turn per sentence, as long as
# the speech event says (less its trailing pause).
@test "va-say: wav files hold speech va-listen segments" {
	d=$BATS_TEST_TMPDIR/aud
	mkdir "$d"
	reply "Your order has shipped. It should arrive on Friday." |
	    va va-say --no-cache --format wav --audio-dir "$d" >"$d.out"
	jq -e -s --arg d "$d" '[.[] | select(.type == "speech") | .audio.file] ==
	    [$d + "/c1-r1-0.wav", $d + "/c1-r1-1.wav"]' "$d.out"
	for i in 0 1; do
		dur=$(jq -s ".[] | select(.type == \"speech\" and .seq == $i) | .dur_ms" "$d.out")
		va va-listen --min-speech-ms 100 "$d/c1-r1-$i.wav" >"$d.$i"
		jq -e -s --argjson dur "$dur" '[.[] | select(.type == "utterance")] |
		    length == 1 and (.[0].end_ms - .[0].start_ms) > 800 and
		    (.[0].end_ms - .[0].start_ms) <= $dur + 100' "$d.$i"
		# and the file is exactly as long as dur_ms says
		jq -e -s --argjson dur "$dur" '.[0].duration_ms - $dur | fabs <= 1' "$d.$i"
	done
}

# Inline audio decoded and fed to va-listen, a pipeline end to end.
@test "va-say: inline s16le through va-listen" {
	reply "Thank you for calling, goodbye." |
	    va va-say --no-cache --rate 8000 |
	    jq -r 'select(.type == "speech") | .audio.data' |
	    while read -r b; do printf '%s' "$b" | base64 -d; done \
	    >"$BATS_TEST_TMPDIR/a.s16"
	n=$(stat -c %s "$BATS_TEST_TMPDIR/a.s16")
	[ "$n" -gt 16000 ]	# more than a second at 8 kHz
	va va-listen --format s16le --input-rate 8000 - <"$BATS_TEST_TMPDIR/a.s16" |
	    jq -e -s '[.[] | select(.type == "utterance")] | length == 1 and
	        (.[0].end_ms - .[0].start_ms) > 1000'
}

# dur_ms agrees with the bytes sent, for each format with a fixed size.
@test "va-say: dur_ms matches the audio" {
	reply "One. Two three four." | va va-say --no-cache --rate 16000 |
	    jq -e -s '[.[] | select(.type == "speech") |
	        (.audio.data | length * 3 / 4 - (if endswith("==") then 2
	            elif endswith("=") then 1 else 0 end)) as $bytes |
	        ($bytes / 2 / 16 | floor) - .dur_ms | fabs <= 1] |
	        length == 2 and all'
	reply "One. Two three four." | va va-say --no-cache --format mulaw |
	    jq -e -s '[.[] | select(.type == "speech") |
	        (.audio.data | length * 3 / 4 - (if endswith("==") then 2
	            elif endswith("=") then 1 else 0 end)) as $n |
	        (.audio.rate == 8000) and ((($n / 8 | floor) - .dur_ms | fabs) <= 1)] |
	        length == 2 and all'
}

# A repeated prompt costs nothing: same audio, from the cache.
@test "va-say: prompt cache" {
	db=$BATS_TEST_TMPDIR/cache.db
	{ reply "Is there anything else? Goodbye."; reply "Goodbye."; } |
	    va va-say --db "$db" >"$BATS_TEST_TMPDIR/1"
	reply "Is there anything else? Goodbye." |
	    va va-say --db "$db" >"$BATS_TEST_TMPDIR/2"
	jq -e -s '[.[] | select(.type == "speech") | .cached] ==
	    [false, false, true]' "$BATS_TEST_TMPDIR/1"
	jq -e -s '[.[] | select(.type == "speech") | .cached] == [true, true]' \
	    "$BATS_TEST_TMPDIR/2"
	a=$(jq -s -c '[.[] | select(.type == "speech") | .audio.data][0:2]' "$BATS_TEST_TMPDIR/1")
	b=$(jq -s -c '[.[] | select(.type == "speech") | .audio.data]' "$BATS_TEST_TMPDIR/2")
	[ "$a" = "$b" ]
	# another voice or format is another prompt
	reply "Goodbye." | va va-say --db "$db" --voice kal |
	    jq -e 'select(.type == "speech") | .cached == false'
	reply "Goodbye." | va va-say --db "$db" --format mulaw |
	    jq -e 'select(.type == "speech") | .cached == false'
	# and --no-cache neither reads nor writes
	reply "Goodbye." | va va-say --db "$db" --no-cache |
	    jq -e 'select(.type == "speech") | .cached == false'
}

# Cache writes wait for the next reply's first audio (or the end): none
# stands between a reply and its first speech, and a prompt repeated
# meanwhile is still served from memory.
@test "va-say: prompt cache written after the next reply's first audio" {
	db=$BATS_TEST_TMPDIR/defer.db
	fifo=$BATS_TEST_TMPDIR/in
	out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	va va-say --db "$db" <"$fifo" >"$out" &
	pid=$!
	exec 7>"$fifo"
	reply "Goodbye." c1 >&7
	for _ in $(seq 1 200); do
		grep -q '"call":"c1".*"last":true' "$out" && break
		sleep 0.05
	done
	n1=$(sqlite3 "$db" "SELECT count(*) FROM cache_entries WHERE ns = 'tts'")
	reply "Your order has shipped. Thanks again. Thanks again." c2 >&7
	for _ in $(seq 1 200); do
		grep -q '"call":"c2".*"last":true' "$out" && break
		sleep 0.05
	done
	n2=$(sqlite3 "$db" "SELECT count(*) FROM cache_entries WHERE ns = 'tts'")
	exec 7>&-
	wait "$pid"
	n3=$(sqlite3 "$db" "SELECT count(*) FROM cache_entries WHERE ns = 'tts'")
	echo "entries: $n1 $n2 $n3"
	[ "$n1" -eq 0 ]		# c1's prompt not yet written
	[ "$n2" -eq 1 ]		# c1's, once c2's first sentence was out
	[ "$n3" -eq 3 ]		# the rest of c2 at the end ("Thanks again." once)
	jq -e -s '[.[] | select(.type == "speech") | [.call, .cached]] ==
	    [["c1", false], ["c2", false], ["c2", false], ["c2", true]]' "$out"
}

# At debug level each chunk says where its time went.
@test "va-say: say_timing at debug level" {
	reply "Thanks Anna, your refund is on its way. Goodbye." |
	    VA_LOG_LEVEL=debug va va-say --no-cache >"$BATS_TEST_TMPDIR/out" \
	    2>"$BATS_TEST_TMPDIR/err"
	n=$(jq -s '[.[] | select(.type == "speech")] | length' "$BATS_TEST_TMPDIR/out")
	[ "$n" -eq 3 ]
	jq -e -s --argjson n "$n" '[.[] | select(.diag == "say_timing") |
	    .msg | test("^reply 1 chunk [0-9]+: [0-9]+ words, [0-9]+ ms of audio: "
	    + "text [0-9.]+ ms, lookup [0-9.]+ ms, synth [0-9.]+ ms, encode "
	    + "[0-9.]+ ms, out [0-9.]+ ms; then cache writes [0-9.]+ ms$")] |
	    length == $n and all' "$BATS_TEST_TMPDIR/err"
	# and nothing at the default level
	reply "Goodbye." | va va-say --no-cache 2>&1 >/dev/null |
	    { ! grep -q say_timing; }
}

# The speech leaves before the input ends.
@test "va-say: speech leaves while the input stays open" {
	fifo=$BATS_TEST_TMPDIR/in
	mkfifo "$fifo"
	(reply "Hello there."; exec sleep 90) >"$fifo" &
	wpid=$!
	va va-say --no-cache <"$fifo" >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	for _ in $(seq 1 1200); do
		grep -q '"last":true' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.05
	done
	ok=0
	grep -q '"last":true' "$BATS_TEST_TMPDIR/out" || ok=1
	kill -0 "$pid" || ok=1	# still running, waiting for more
	kill "$wpid"
	wait "$pid" || ok=1
	[ "$ok" -eq 0 ]
}

@test "va-say: remote engine" {
	start_tts --key sk-test
	{ reply "Hello there. Order 42 is ready."; reply "Bye."; } |
	    VA_SAY_API_KEY=sk-test va va-say --no-cache --engine openai \
	    --url "$TTS_URL" --voice nova --model tts-1-hd >"$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.type == "speech") | [.text, .seq, .last,
	    .engine, .voice, .audio.format, .audio.rate]] == [
	    ["Hello there.", 0, false, "openai", "nova", "s16le", 16000],
	    ["Order four two is ready.", 1, true, "openai", "nova", "s16le", 16000],
	    ["Bye.", 0, true, "openai", "nova", "s16le", 16000]]' "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | .auth == "ok" and .path == "/v1/audio/speech" and
	    (.body | fromjson) == {model: "tts-1-hd", input: "Hello there.",
	        voice: "nova", response_format: "wav"}] | .[0]' "$BATS_TEST_TMPDIR/tts.log"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/tts.log")" -eq 3 ]
	# The stand-in's audio comes through as speech.
	jq -r 'select(.type == "speech" and .seq == 1) | .audio.data' "$BATS_TEST_TMPDIR/out" |
	    base64 -d >"$BATS_TEST_TMPDIR/a.s16"
	va va-listen --format s16le --input-rate 16000 - <"$BATS_TEST_TMPDIR/a.s16" |
	    jq -e -s '[.[] | select(.type == "utterance")] | length == 1'
}

@test "va-say: remote key from a file, never logged" {
	start_tts --key sk-file
	printf 'sk-file\n' >"$BATS_TEST_TMPDIR/key"
	reply "Hi." | VA_SAY_API_KEY_FILE=$BATS_TEST_TMPDIR/key va va-say \
	    --no-cache --engine openai --url "$TTS_URL/v1" -v 2>"$BATS_TEST_TMPDIR/err" |
	    jq -e 'select(.type == "speech") | .last'
	! grep -q sk-file "$BATS_TEST_TMPDIR/err"
}

# A rejected key is an error event per reply; the stream goes on.
@test "va-say: remote key rejected" {
	start_tts --key sk-test
	{ reply "Hi." c1; reply "Bye." c2; } |
	    VA_SAY_API_KEY=sk-wrong va va-say --no-cache --engine openai \
	    --url "$TTS_URL" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	jq -e -s '[.[] | [.type, .call, .code]] == [
	    ["reply", "c1", null], ["error", "c1", "tts_auth"],
	    ["reply", "c2", null], ["error", "c2", "tts_auth"]]' "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.type == "error") | .re] ==
	    [{type: "reply", line: 1}, {type: "reply", line: 2}]' "$BATS_TEST_TMPDIR/out"
	grep -q '"diag":"tts_auth"' "$BATS_TEST_TMPDIR/err"
	! grep -q sk-wrong "$BATS_TEST_TMPDIR/err"
}

# 429 with Retry-After is retried after the delay asked for.
@test "va-say: remote rate limit retried" {
	unset VA_FIXED_CLOCK
	start_tts --mode ratelimit --fail-first 1
	t0=$(date +%s%N)
	reply "Hi." | va va-say --no-cache --engine openai --url "$TTS_URL" \
	    >"$BATS_TEST_TMPDIR/out"
	t1=$(date +%s%N)
	jq -e -s '[.[] | .type] == ["reply", "speech"]' "$BATS_TEST_TMPDIR/out"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/tts.log")" -eq 2 ]
	[ $(( (t1 - t0) / 1000000 )) -ge 900 ]
}

# A slow server is a bounded wait and an error event, not a dead pipeline.
@test "va-say: remote timeout" {
	unset VA_FIXED_CLOCK
	start_tts --mode slow --delay-ms 10000
	t0=$(date +%s%N)
	{ reply "Hi." c1; reply "Bye." c2; } |
	    va va-say --no-cache --engine openai --url "$TTS_URL" \
	    --timeout-ms 400 --tries 1 >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	t1=$(date +%s%N)
	jq -e -s '[.[] | [.type, .code]] == [["reply", null], ["error", "tts_timeout"],
	    ["reply", null], ["error", "tts_timeout"]]' "$BATS_TEST_TMPDIR/out"
	[ $(( (t1 - t0) / 1000000 )) -lt 15000 ]	# not 2 x 10 s, even under valgrind on a loaded host
}

@test "va-say: remote server errors and bad answers" {
	start_tts --mode error --fail-first 100
	reply "Hi." | va va-say --no-cache --engine openai --url "$TTS_URL" \
	    --tries 2 2>/dev/null | jq -e -s '.[1].code == "tts_unavailable"'
	stop_tts
	start_tts --mode garbage
	reply "Hi." | va va-say --no-cache --engine openai --url "$TTS_URL" \
	    2>/dev/null | jq -e -s '.[1].code == "tts_bad_audio"'
	stop_tts
	# nothing listening
	reply "Hi." | va va-say --no-cache --engine openai \
	    --url http://127.0.0.1:9 --tries 1 2>/dev/null |
	    jq -e -s '.[1].code == "tts_unavailable"'
}

stop_tts() {
	kill "$TTS_PID" 2>/dev/null
	wait "$TTS_PID" 2>/dev/null || true
	TTS_PID=
	: >"$BATS_TEST_TMPDIR/tts.log"
	rm -f "$BATS_TEST_TMPDIR/tts.port"
}
