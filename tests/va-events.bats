#!/usr/bin/env bats
# va-events and, through it, the filter loop every program shares.

load helpers

@test "va-events: pass-through is byte for byte" { run_case va-events passthrough; }
@test "va-events: malformed lines dropped, reported, exit 65" { run_case va-events malformed; }
@test "va-events: --strict stops at the first bad line" { run_case va-events strict; }
@test "va-events: --select" { run_case va-events select; }
@test "va-events: --drop" { run_case va-events drop; }
@test "va-events: --set a string" { run_case va-events set-string; }
@test "va-events: --set JSON replaces a member" { run_case va-events set-json; }
@test "va-events: --summary" { run_case va-events summary; }
@test "va-events: overlong line" { run_case va-events too-long; }

@test "va-events: pass-through keeps every byte of a large stream" {
	python3 "$TOP/bench/gen-events" 20000 >"$BATS_TEST_TMPDIR/in"
	va va-events <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "va-events: malformed lines among 20000 are all caught" {
	python3 "$TOP/bench/gen-events" 20000 1000 >"$BATS_TEST_TMPDIR/in"
	run va va-events <"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	[ "$(printf '%s\n' "$output" | grep -c '"diag":"bad_line"')" -eq 20 ]
	[ "$(printf '%s\n' "$output" | grep -vc '"diag":"bad_line"')" -eq 19980 ]
}

@test "va-events: files are read in order" {
	printf '{"type":"a"}\n' >"$BATS_TEST_TMPDIR/1"
	printf '{"type":"b"}\n' >"$BATS_TEST_TMPDIR/2"
	run va va-events "$BATS_TEST_TMPDIR/1" "$BATS_TEST_TMPDIR/2"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"a"}
{"type":"b"}' ]
	run va va-events "$BATS_TEST_TMPDIR/nope"
	[ "$status" -eq 66 ]
}

# Output must not wait for more input: an event written into a pipe that
# stays open comes out at once.
@test "va-events: output is flushed while waiting for input" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$VA_BIN/va-events" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in"
	printf '{"type":"ping"}\n' >&5
	for _ in $(seq 1 50); do
		[ -s "$BATS_TEST_TMPDIR/out" ] && break
		sleep 0.05
	done
	got=$(cat "$BATS_TEST_TMPDIR/out")
	exec 5>&-
	wait $pid
	[ "$got" = '{"type":"ping"}' ]
}

# The writer is another process that keeps the pipe open and idle after
# its lines: the program must not need more input to notice the signal
# (lib/loop.c waits in ppoll(2) with the signals let in, so one that lands
# just before the wait is not slept through). Bounded: a hang fails the
# test within seconds instead of hanging it.
@test "va-events: SIGTERM while waiting finishes and exits 0" {
	stop_on_idle_pipe '{"type":"a"}
{"type":"b"}' "$VA_BIN/va-events"
}

@test "va-events: a reader closing the pipe is a quiet exit 0" {
	run bash -c 'set -o pipefail; yes "{\"type\":\"x\",\"pad\":\"$(printf %0200d 0)\"}" | head -n 200000 | "$VA_BIN/va-events" 2>"$BATS_TEST_TMPDIR/err" | head -n 1 >/dev/null; echo "${PIPESTATUS[2]}"'
	[ "$output" = 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}
