#!/usr/bin/env bats
# The main job: scripts/va-demo on the demo call, as `make demo` runs it.

load helpers

@test "demo: plays the demo call and prints the conversation" {
	cd "$BATS_TEST_TMPDIR"
	run "$TOP/scripts/va-demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *"call order-status:"* ]]
	[[ "$output" == *"caller speaks"* ]]
	[[ "$output" == *"end of call order-status"* ]]
	[ -s va-demo.out/order-status/events.log ]
	[ -s va-demo.out/order-status/stereo.wav ]
}
