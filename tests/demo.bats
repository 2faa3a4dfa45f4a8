#!/usr/bin/env bats
# The main job: scripts/va-demo on the demo call, as `make demo` runs it.

load helpers

@test "demo: plays the demo call from audio in to spoken replies out" {
	cd "$BATS_TEST_TMPDIR"
	run "$TOP/scripts/va-demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *"call order-status-human:"* ]]
	[[ "$output" == *"caller: "* ]]
	[[ "$output" == *"understood: "* ]]
	[[ "$output" == *"assistant: \"This call is recorded."* ]]
	[[ "$output" == *"end of call order-status-human"* ]]
	d=va-demo.out/order-status-human
	[ -s $d/events.log ]
	# spoken replies, and a stereo recording with the assistant on the right
	[ "$(ls $d/replies/*.wav | wc -l)" -ge 3 ]
	n=$(va-listen --channel 1 $d/stereo.wav | jq -s '[.[] | select(.type == "utterance")] | length')
	[ "$n" -ge 3 ]
}
