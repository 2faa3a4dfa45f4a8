#!/usr/bin/env bats
# scripts/va-call, va-batch and va-mix: whole calls.

load helpers

@test "va-call: writes the event log, replies folder and stereo recording" {
	run va-call -o "$BATS_TEST_TMPDIR/c" "$TESTDATA/calls/policy.wav"
	[ "$status" -eq 0 ]
	[[ "$output" == *"call policy:"* ]]
	[ -s "$BATS_TEST_TMPDIR/c/events.log" ]
	[ -d "$BATS_TEST_TMPDIR/c/replies" ]
	va-events "$BATS_TEST_TMPDIR/c/events.log" >/dev/null
	# stereo: the caller's channel is the call itself
	n=$(va-listen --channel 0 "$BATS_TEST_TMPDIR/c/stereo.wav" | jq -s '[.[] | select(.type == "utterance")] | length')
	m=$(va-listen "$TESTDATA/calls/policy.wav" | jq -s '[.[] | select(.type == "utterance")] | length')
	[ "$n" -eq "$m" ]
}

@test "va-call: a missing recording is exit 66" {
	run va-call -o "$BATS_TEST_TMPDIR/c" "$TESTDATA/calls/nope.wav"
	[ "$status" -eq 66 ]
}

@test "va-mix: places speech on the right channel after the caller's turn" {
	# A fake reply: one second of a tone as inline s16le at 8 kHz.
	python3 -c '
import base64, json, math, struct
pcm = b"".join(struct.pack("<h", int(8000 * (0.6 + 0.4 * math.sin(2 * math.pi * 4 * i / 8000)) * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000))
print(json.dumps({"type": "speech", "call": "c", "turn": 1, "t_ms": 2000, "seq": 0, "last": True,
    "audio": {"format": "s16le", "rate": 8000, "channels": 1, "data": base64.b64encode(pcm).decode()}}))
' >"$BATS_TEST_TMPDIR/ev"
	run va va-mix --endpoint-ms 500 -o "$BATS_TEST_TMPDIR/s.wav" "$TESTDATA/audio/call8.wav" <"$BATS_TEST_TMPDIR/ev"
	[ "$status" -eq 0 ]
	# passed through unchanged
	cmp <(printf '%s\n' "$output" | grep '"type"') "$BATS_TEST_TMPDIR/ev"
	# the right channel holds one burst from 2.5 s to 3.5 s
	va va-listen --channel 1 --pre-roll-ms 0 --min-speech-ms 100 "$BATS_TEST_TMPDIR/s.wav" |
	    jq -e -s '[.[] | select(.type == "utterance")] | length == 1 and
	        (.[0].start_ms | . >= 2450 and . <= 2550) and (.[0].end_ms | . >= 3450 and . <= 3550)'
}

@test "va-batch: processes a folder, then resumes a killed batch without redoing work" {
	mkdir "$BATS_TEST_TMPDIR/in"
	for i in 1 2 3 4 5 6; do cp "$TESTDATA/audio/call8.wav" "$BATS_TEST_TMPDIR/in/c$i.wav"; done
	run va-batch -j 2 -o "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *"6 calls: 6 done, 0 failed"* ]]
	for i in 1 2 3 4 5 6; do [ -s "$BATS_TEST_TMPDIR/out/c$i/events.log" ]; done
	# A second run finds nothing to do.
	run va-batch -j 2 -o "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" 'SELECT sum(runs) FROM jobs')" -eq 6 ]
	# A batch killed in the middle: jobs left running go back to the queue.
	sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "UPDATE jobs SET state = 'running', pid = 999999 WHERE file LIKE '%c5.wav';
	    UPDATE jobs SET state = 'pending' WHERE file LIKE '%c6.wav';"
	run va-batch -j 2 -o "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "SELECT group_concat(runs, ',') FROM (SELECT runs FROM jobs ORDER BY file)")" = "1,1,1,1,2,2" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "SELECT count(*) FROM jobs WHERE state = 'done'")" -eq 6 ]
}

@test "va-batch: a real kill -9 of the whole batch, then a resume" {
	mkdir "$BATS_TEST_TMPDIR/in"
	for i in 1 2 3 4; do cp "$TESTDATA/audio/call8.wav" "$BATS_TEST_TMPDIR/in/c$i.wav"; done
	# Real time makes each call take 8.7 s: the kill lands mid-call.
	VA_LISTEN_REALTIME=1 setsid "$TOP/scripts/va-batch" -j 2 -o "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in" >/dev/null 2>&1 &
	pid=$!
	sleep 2
	kill -9 -- -"$pid"
	wait "$pid" || true
	# The batch is gone once its lock is free: on a loaded machine the
	# last killed process may take a moment (until then a resume says
	# "another batch is running" and exits 75, as it should).
	flock -w 30 "$BATS_TEST_TMPDIR/out/batch.lock" true
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "SELECT count(*) FROM jobs WHERE state = 'running'")" -eq 2 ]
	run va-batch -j 2 -o "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$BATS_TEST_TMPDIR"/out/*.err; false; }
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "SELECT count(*) FROM jobs WHERE state = 'done'")" -eq 4 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/out/jobs.db" "SELECT sum(runs) FROM jobs")" -eq 6 ]
}
