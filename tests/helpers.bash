# helpers.bash - shared by every tests/*.bats file.
#
# run_case PROG CASE runs one golden case from testdata/PROG/CASE/:
#   args      the program's arguments, as shell words ($CASE, $TESTDATA and
#             $VA_TEST_PORT may be used); default none
#   input     standard input; default /dev/null
#   env       KEY=VALUE lines added to the environment
#   filter    a jq program applied to each output line before comparing
#             (for audio payloads and the like); default none
#   expected  the exact standard output
#   status    the exit status; default 0
#   stderr    the exact diagnostics (VA_LOG=brief); compared when present
#   http/     canned responses 1.http, 2.http, ... served by
#             tests/standin/canned.py on $VA_TEST_PORT; http/requests, when
#             present, is the exact request log expected
# Every case runs from its own folder with a fixed clock, seed and locale.
# VA_GOLDEN=1 rewrites expected, status and stderr instead of comparing.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TESTDATA=$TOP/testdata
: "${VA_BIN:=$TOP/bin}"
export VA_BIN TESTDATA
export LC_ALL=C TZ=UTC VA_FIXED_CLOCK=1700000000000 VA_SEED=1 VA_LOG=brief
PATH=$VA_BIN:$TOP/scripts:$PATH

if [ "${VALGRIND:-}" = 1 ]; then
	VA_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
else
	VA_WRAP=
fi

# va PROG ARGS...: run a program, under valgrind when asked.
# not CMD [ARG...]: succeed when CMD fails. A bare "! CMD" fails nothing
# unless it is a test's last command: bash's errexit ignores a negated
# command, and bats runs tests under errexit.
not() {
	if "$@"; then
		return 1
	fi
}

va() {
	local p=$1
	shift
	$VA_WRAP "$VA_BIN/$p" "$@"
}

start_standin() {
	local dir=$1 pf
	pf=$(mktemp)
	rm -f "$pf"
	python3 "$TOP/tests/standin/canned.py" --dir "$dir" --port-file "$pf" \
	    --log "$BATS_TEST_TMPDIR/requests" &
	STANDIN_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	VA_TEST_PORT=$(cat "$pf")
	export VA_TEST_PORT
	rm -f "$pf"
}

stop_standin() {
	[ -n "${STANDIN_PID:-}" ] && kill "$STANDIN_PID" 2>/dev/null
	wait "$STANDIN_PID" 2>/dev/null || true
	STANDIN_PID=
}

run_case() {
	local prog=$1 name=$2 dir want_status=0 got_status=0 args=
	dir=$TESTDATA/$prog/$name
	[ -d "$dir" ] || { echo "no such case: $dir"; return 1; }
	CASE=$dir
	export CASE
	local out=$BATS_TEST_TMPDIR/stdout err=$BATS_TEST_TMPDIR/stderr
	[ -d "$dir/http" ] && start_standin "$dir/http"
	[ -f "$dir/status" ] && want_status=$(cat "$dir/status")
	[ -f "$dir/args" ] && args=$(cat "$dir/args")
	(
		cd "$dir" || exit 1
		if [ -f env ]; then
			set -a
			. ./env
			set +a
		fi
		eval "set -- $args"
		if [ -f input ]; then
			va "$prog" "$@" <input
		else
			va "$prog" "$@" </dev/null
		fi
	) >"$out" 2>"$err" || got_status=$?
	stop_standin
	if [ -f "$dir/filter" ]; then
		jq -c -f "$dir/filter" <"$out" >"$out.f" || return 1
		mv "$out.f" "$out"
	fi
	if [ "${VA_GOLDEN:-}" = 1 ]; then
		cp "$out" "$dir/expected"
		if [ "$got_status" != 0 ]; then
			echo "$got_status" >"$dir/status"
		else
			rm -f "$dir/status"
		fi
		[ -f "$dir/stderr" ] && cp "$err" "$dir/stderr"
		[ -f "$dir/http/requests" ] && cp "$BATS_TEST_TMPDIR/requests" "$dir/http/requests"
		return 0
	fi
	local ok=0
	diff -u "$dir/expected" "$out" || ok=1
	if [ "$got_status" != "$want_status" ]; then
		echo "exit status $got_status, want $want_status"
		echo "--- stderr:"
		cat "$err"
		ok=1
	fi
	if [ -f "$dir/stderr" ]; then
		diff -u "$dir/stderr" "$err" || ok=1
	fi
	if [ -f "$dir/http/requests" ]; then
		diff -u "$dir/http/requests" "$BATS_TEST_TMPDIR/requests" || ok=1
	fi
	return $ok
}

# wait_for_line FILE TYPE: wait (at most 60 s) until FILE holds an event
# of TYPE, so that a signal sent next finds the program past its start-up
# however slow the machine (valgrind, a loaded CI host).
wait_for_line() {
	for _ in $(seq 1 1200); do
		grep -q "\"type\":\"$2\"" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no $2 event in $1 after 60 s" >&2
	return 1
}

# stop_on_idle_pipe INPUT PROG [ARGS...]: feed INPUT (event lines) to PROG
# through a pipe that then stays open and idle, wait (at most 60 s) until
# as many lines are out as went in, send SIGTERM, and fail unless PROG
# exits 0 within 10 s with exactly INPUT written (the filter loop lets the
# stop signal in only inside ppoll(2), so it cannot sleep through one on
# an idle pipe, which stays open for 90 s).
stop_on_idle_pipe() {
	local input=$1 in=$BATS_TEST_TMPDIR/idle-in out=$BATS_TEST_TMPDIR/idle-out
	local n wpid pid gone=0 rc=0
	shift
	n=$(printf '%s\n' "$input" | wc -l)
	mkfifo "$in"
	(printf '%s\n' "$input"; exec sleep 90) >"$in" &
	wpid=$!
	$VA_WRAP "$@" <"$in" >"$out" &
	pid=$!
	for _ in $(seq 1 3000); do
		[ "$(wc -l <"$out")" -ge "$n" ] && break
		sleep 0.02
	done
	kill -TERM $pid
	timeout 10 tail --pid=$pid -s 0.05 -f /dev/null && gone=1
	[ "$gone" -eq 1 ] || kill -KILL $pid
	wait $pid || rc=$?
	kill $wpid
	wait $wpid 2>/dev/null || true
	[ "$gone" -eq 1 ] || { echo "still running 10 s after SIGTERM" >&2; return 1; }
	[ "$rc" -eq 0 ] || { echo "exit status $rc" >&2; return 1; }
	[ "$(cat "$out")" = "$input" ] || { echo "output differs:" >&2; cat "$out" >&2; return 1; }
}
