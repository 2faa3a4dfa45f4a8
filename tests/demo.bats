#!/usr/bin/env bats
# The main job: scripts/va-demo on the demo call, as `make demo` runs it.

load helpers

@test "demo: plays the demo call and prints its turns" {
	run "$TOP/scripts/va-demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *"call call8: wav, 8000 Hz"* ]]
	[[ "$output" == *"caller, turn 1: 1.01 s to 4.79 s"* ]]
	[[ "$output" == *"caller, turn 2: 6.3 s to 7.84 s"* ]]
	[[ "$output" == *'events: {"call_start":1,"utterance":2,"call_end":1}'* ]]
}
