#!/usr/bin/env bats
# Man pages: lint clean, one per program, every option and event type documented.

load helpers

@test "man: every page is lint-clean" {
	run mandoc -Tlint -W warning "$TOP"/man/*.[157]
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "man: every program has a page documenting each --help option" {
	for src in "$TOP"/cmd/va-*.c; do
		p=$(basename "$src" .c)
		page=$TOP/man/$p.1
		[ -f "$page" ] || { echo "no man page for $p"; return 1; }
		for o in $("$VA_BIN/$p" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			grep -qF -- "${o#--}" "$page" || { echo "$page lacks $o"; return 1; }
		done
	done
}

@test "man: va-events(5) documents every event type the library knows" {
	types=$(sed -n '/^} event_types\[\] = {/,/^};/p' "$TOP/lib/event.c" | grep -oE '"[a-z_]+"' | tr -d '"')
	[ -n "$types" ]
	for t in $types; do
		grep -qE "^\.It Cm $t\$" "$TOP/man/va-events.5" || { echo "va-events.5 lacks $t"; return 1; }
	done
}
