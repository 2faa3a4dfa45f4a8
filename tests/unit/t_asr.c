/*
 * t_asr.c - unit tests for lib/asr.c (recognition results).
 */
#include <stdlib.h>
#include <string.h>

#include "asr.h"
#include "tap.h"

int
main(void)
{
	struct va_asr_result r;

	memset(&r, 0, sizeof(r));
	r.confidence = -1;
	is_int(va_asr_result_join(&r), 0, "join of no words");
	is_str(r.text, "", "no words: empty text");
	va_asr_result_free(&r);
	ok(r.text == NULL && r.nwords == 0 && r.confidence < 0,
	    "free leaves an empty result with unknown confidence");

	for (int i = 0; i < 40; i++)
		ok(va_asr_result_add(&r, "word(2)", 4, i * 10, i * 10 + 9,
		    0.5) == 0, "add word %d", i);
	is_int((long long)r.nwords, 40, "forty words kept");
	is_str(r.words[39].w, "word", "the length given is copied");
	is_int(r.words[39].start_ms, 390, "start kept");
	va_asr_result_join(&r);
	is_int((long long)strlen(r.text), 40 * 5 - 1, "joined with spaces");
	is_int(va_asr_result_text(&r, " hi ", 4), 0, "text replaced");
	is_str(r.text, " hi ", "text as given");
	is_int(va_asr_result_join(&r), 0, "join keeps a text set");
	is_str(r.text, " hi ", "text not rebuilt");
	va_asr_result_free(&r);
	return tap_done();
}
