#!/usr/bin/env bats
# va-listen: golden cases in testdata/va-listen/ and behaviour tests.

load helpers

@test "va-listen: wav 8 kHz" { run_case va-listen wav-8k; }
@test "va-listen: flac 16 kHz" { run_case va-listen flac-16k; }
@test "va-listen: ogg/vorbis" { run_case va-listen ogg-vorbis; }
@test "va-listen: ogg/opus" { run_case va-listen ogg-opus; }
@test "va-listen: mp3" { run_case va-listen mp3; }
@test "va-listen: raw mu-law" { run_case va-listen mulaw; }
@test "va-listen: raw A-law" { run_case va-listen alaw; }
@test "va-listen: 16-bit PCM on stdin" { run_case va-listen s16le-stdin; }
@test "va-listen: mu-law on stdin" { run_case va-listen mulaw-stdin; }
@test "va-listen: wav on stdin" { run_case va-listen wav-stdin; }
@test "va-listen: caller's channel of a stereo call" { run_case va-listen stereo-caller; }
@test "va-listen: agent's channel of a stereo call" { run_case va-listen stereo-agent; }
@test "va-listen: channels mixed" { run_case va-listen stereo-mix; }
@test "va-listen: hum and hiss on the line" { run_case va-listen noisy-line; }
@test "va-listen: output at 8 kHz" { run_case va-listen rate-8k; }
@test "va-listen: long silence joins turns" { run_case va-listen long-silence; }
@test "va-listen: max utterance cuts" { run_case va-listen max-utterance; }
@test "va-listen: min speech drops short turns" { run_case va-listen min-speech; }
@test "va-listen: call id" { run_case va-listen call-id; }
@test "va-listen: damaged files in a batch" { run_case va-listen batch-damaged; }
@test "va-listen: missing file" { run_case va-listen no-such-file; }
@test "va-listen: no arguments" { run_case va-listen no-args; }
@test "va-listen: rate out of range" { run_case va-listen bad-rate; }
@test "va-listen: s16le without a rate" { run_case va-listen s16le-no-rate; }
@test "va-listen: print-config" { run_case va-listen print-config; }

# Option values come from the environment and argv, which may hold any
# bytes; --print-config (lib/conf.c, shared by every program) must print
# JSON all the same: valid UTF-8 as it is, each invalid byte as U+FFFD.
# call_id_is BODY: the output is strict JSON (Python, not jq, which
# quietly repairs invalid UTF-8) whose call-id is the JSON string "BODY".
call_id_is() {
	printf '%s\n' "$output" | python3 -c 'import json, sys
v = json.loads(sys.stdin.buffer.read().decode("utf-8"))
v = v["options"]["call-id"]["value"]
want = json.loads("\"" + sys.argv[1] + "\"")
assert v == want, ascii(v)' "$1"
}

@test "va-listen: print-config is valid JSON whatever bytes a value holds" {
	VA_LISTEN_CALL_ID=$(printf '\xff\xc0\xafok') run va va-listen --print-config
	[ "$status" -eq 0 ]
	call_id_is '\ufffd\ufffd\ufffdok'
	printf '%s\n' "$output" | grep -qF '"call-id":{"value":"\ufffd\ufffd\ufffdok","source":"env VA_LISTEN_CALL_ID"}'
	# A surrogate, a code point above U+10FFFF, a sequence cut short.
	run va va-listen --print-config --call-id \
	    "$(printf 'a\xed\xa0\x80b\xf4\x90\x80\x80c\xe6\x97')"
	[ "$status" -eq 0 ]
	call_id_is 'a\ufffd\ufffd\ufffdb\ufffd\ufffd\ufffd\ufffdc\ufffd\ufffd'
	# Valid multi-byte UTF-8 passes unchanged, byte for byte.
	VA_LISTEN_CALL_ID='é 日本 "q"' run va va-listen --print-config
	[ "$status" -eq 0 ]
	call_id_is '\u00e9 \u65e5\u672c \"q\"'
	printf '%s\n' "$output" | grep -qF '"value":"é 日本 \"q\""'
}

# The inline audio is the utterance's span at the output rate.
@test "va-listen: inline audio length matches the span" {
	va va-listen "$TESTDATA/audio/call8.wav" |
	    jq -e -s '[.[] | select(.type == "utterance") |
	        ((.end_ms - .start_ms) * .audio.rate / 1000 * 2) as $want |
	        (.audio.data | length * 3 / 4) as $got |
	        ($got - $want | fabs) <= 64] | length == 2 and all'
}

@test "va-listen: --audio-dir writes wav files" {
	d=$BATS_TEST_TMPDIR/aud
	mkdir "$d"
	va va-listen --audio-dir "$d" "$TESTDATA/audio/call8.wav" >"$d.out"
	[ -f "$d/call8-001.wav" ] && [ -f "$d/call8-002.wav" ]
	jq -e -s --arg d "$d" '[.[] | select(.type == "utterance") | .audio.file] ==
	    [$d + "/call8-001.wav", $d + "/call8-002.wav"]' "$d.out"
	# and the files hold the same audio va-listen reads back
	n=$(va va-listen --min-speech-ms 100 "$d/call8-001.wav" | jq -s '[.[] | select(.type == "utterance")] | length')
	[ "$n" -eq 1 ]
}

@test "va-listen: --audio-dir must exist" {
	run va va-listen --audio-dir /nonexistent "$TESTDATA/audio/call8.wav"
	[ "$status" -eq 73 ]
}

@test "va-listen: --frames emits contiguous 20 ms frames" {
	va va-listen --frames "$TESTDATA/audio/call8.wav" |
	    jq -e -s '[.[] | select(.type == "audio")] as $f |
	        ($f | length) == 435 and
	        ([$f[] | .seq] == [range(0; 435)]) and
	        ([$f[] | .t_ms] == [range(0; 435) | . * 20]) and
	        ([$f[] | .audio.data | length] | unique) == [856]'
}

@test "va-listen: --realtime paces output at wall-clock speed" {
	head -c 16000 "$TESTDATA/audio/call8.s16" >"$BATS_TEST_TMPDIR/1s.s16"
	unset VA_FIXED_CLOCK
	t0=$(date +%s%N)
	va va-listen --realtime --format s16le --input-rate 8000 - <"$BATS_TEST_TMPDIR/1s.s16" >/dev/null
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -ge 900 ]
}

# A live stream: the first turn comes out while the caller is still on.
# The caller (the writer) sends the first turn and its silence, then stays
# on, silent, until the turn is out (at most 60 s), and only then says
# the rest: the turn must come out before the rest was sent, however slow
# the machine (no fixed sleep to race against).
@test "va-listen: live mu-law stream yields turns as they end" {
	unset VA_FIXED_CLOCK
	a=$BATS_TEST_TMPDIR/a.ul times=$BATS_TEST_TMPDIR/times
	head -c 44000 "$TESTDATA/audio/call8.ul" >"$a"	# 5.5 s: first turn and silence
	{
		cat "$a"
		for _ in $(seq 1 600); do
			grep -q ' utterance$' "$times" 2>/dev/null && break
			sleep 0.1
		done
		date +%s%N >"$BATS_TEST_TMPDIR/resumed"
		tail -c +44001 "$TESTDATA/audio/call8.ul"
	} | va va-listen --format mulaw - |
	    while IFS= read -r line; do
		printf '%s %s\n' "$(date +%s%N)" "$(printf '%s' "$line" | jq -r .type)"
	    done >"$times"
	t_utt=$(awk '$2 == "utterance" { print $1; exit }' "$times")
	[ -n "$t_utt" ]
	[ "$(awk '$2 == "call_end"' "$times" | wc -l)" -eq 1 ]
	[ "$t_utt" -lt "$(cat "$BATS_TEST_TMPDIR/resumed")" ]
}

@test "va-listen: SIGTERM ends the call cleanly with exit 0" {
	unset VA_FIXED_CLOCK
	$VA_WRAP "$VA_BIN/va-listen" --realtime "$TESTDATA/audio/call8.wav" >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_for_line "$BATS_TEST_TMPDIR/out" call_start
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r '.type + " " + .reason')" = "call_end stopped" ]
}

# A live stream that has gone quiet: the caller's line is open, nothing
# comes; SIGTERM must end the call at once, not at the next audio.
@test "va-listen: SIGTERM on a silent live stream ends the call at once" {
	unset VA_FIXED_CLOCK
	mkfifo "$BATS_TEST_TMPDIR/line"
	sleep 90 >"$BATS_TEST_TMPDIR/line" &
	holder=$!
	head -c 8000 "$TESTDATA/audio/call8.ul" >"$BATS_TEST_TMPDIR/a.ul"
	{ cat "$BATS_TEST_TMPDIR/a.ul"; cat "$BATS_TEST_TMPDIR/line"; } |
	    $VA_WRAP "$VA_BIN/va-listen" --format mulaw - >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_for_line "$BATS_TEST_TMPDIR/out" call_start
	sleep 0.2	# the 8000 bytes read, the line silent
	kill -TERM $pid
	rc=0
	timeout 10 tail --pid=$pid -f /dev/null || rc=124
	kill $holder 2>/dev/null || true
	[ "$rc" -eq 0 ]
	wait $pid || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/out" | jq -r .type)" = "call_start" ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | jq -r '.type + " " + .reason')" = "call_end stopped" ]
}

@test "va-listen: a reader closing the pipe is a quiet exit 0" {
	run bash -c 'set -o pipefail; "$VA_BIN/va-listen" --frames "$TESTDATA/audio/call8.wav" 2>&1 | head -n 1 >/dev/null'
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output")" ]
}

@test "va-listen: --help names every option and the man page documents them" {
	run va va-listen --help
	[ "$status" -eq 0 ]
	for o in $(echo "$output" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		grep -qF -- "${o#--}" "$TOP/man/va-listen.1" || { echo "man page lacks $o"; return 1; }
	done
}

@test "va-listen: --version" {
	run va va-listen --version
	[ "$status" -eq 0 ]
	[[ "$output" == "va-listen "* ]]
}
