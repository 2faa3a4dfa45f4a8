#!/usr/bin/env bats
# The README's examples are tests: in each ```sh block, a line starting
# with "$ " is a command run from the top of the tree, and the lines after
# it, up to the next command or the end of the block, its exact output.

load helpers

setup() {
	unset VA_LOG
	awk -v dir="$BATS_TEST_TMPDIR" '
		/^```sh$/ { inblock = 1; next }
		/^```$/ { inblock = 0; next }
		inblock && /^\$ / { n++; print substr($0, 3) > (dir "/cmd." n); printf "" > (dir "/want." n); next }
		inblock { print > (dir "/want." n) }
	' "$TOP/README"
}

run_example() {
	local i=$1
	[ -f "$BATS_TEST_TMPDIR/cmd.$i" ] || { echo "README has no example $i"; return 1; }
	(cd "$TOP" && bash "$BATS_TEST_TMPDIR/cmd.$i") >"$BATS_TEST_TMPDIR/got.$i" 2>&1 || true
	diff -u "$BATS_TEST_TMPDIR/want.$i" "$BATS_TEST_TMPDIR/got.$i"
}

@test "README: example 1 (summary)" { run_example 1; }
@test "README: example 2 (stereo caller channel)" { run_example 2; }
@test "README: example 3 (live mu-law)" { run_example 3; }
@test "README: example 4 (malformed lines)" { run_example 4; }
@test "README: example 5 (redaction)" { run_example 5; }
@test "README: no example left untested" {
	n=$(ls "$BATS_TEST_TMPDIR"/cmd.* | wc -l)
	[ "$n" -eq 5 ]
}

@test "README: Quick start is exactly make demo and make check" {
	run sed -n '/^Quick start/,/^A pipeline/p' "$TOP/README"
	cmds=$(printf '%s\n' "$output" | grep -E '^    [a-z]')
	[ "$cmds" = "    make demo
    make check" ]
}
