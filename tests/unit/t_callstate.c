/*
 * t_callstate.c - results and expectations through a real store file,
 * across processes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callstate.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/t_callstate.XXXXXX", path[256];
	struct va_result_rec r = { 0 }, got;
	struct va_store *st;
	char *e;
	pid_t pid;
	int status;
	int64_t t0;

	va_log_init("t_callstate");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/va.db", dir);
	st = va_store_open(path);
	ok(st != NULL, "store opens");
	is_int(va_callstate_init(st), 0, "tables created");
	is_int(va_callstate_init(st), 0, "init is idempotent");

	is_int(va_callstate_get_result(st, "c1", "c1:order", &got), 0,
	    "no result yet");
	r.tool = "order";
	r.op = "lookup";
	r.ok = 1;
	r.status = "ok";
	r.data = "{\"number\":\"10234\",\"status\":\"shipped\"}";
	r.say = "Your order 1 0 2 3 4 has shipped.";
	is_int(va_callstate_put_result(st, "c1", "c1:order", &r), 0, "put");
	is_int(va_callstate_get_result(st, "c1", "c1:order", &got), 1, "found");
	is_str(got.tool, "order", "tool");
	is_str(got.data, r.data, "data kept as JSON text");
	is_str(got.say, r.say, "say");
	is_int(got.ok, 1, "ok");
	va_result_rec_free(&got);
	r.ok = 0;
	r.status = "unavailable";
	r.data = NULL;
	is_int(va_callstate_put_result(st, "c1", "c1:order", &r), 0,
	    "put again replaces");
	is_int(va_callstate_get_result(st, "c1", "c1:order", &got), 1, "found");
	is_str(got.status, "unavailable", "latest status");
	ok(got.data == NULL, "NULL data stays NULL");
	va_result_rec_free(&got);
	is_int(va_callstate_get_result(st, "c2", "c1:order", &got), 0,
	    "results are per call");

	is_int(va_callstate_get_expect(st, "c1", 1, &e, 0), 1,
	    "turn 1 is always decided");
	ok(e == NULL, "with no expectation");
	is_int(va_callstate_get_expect(st, "c1", 2, &e, 0), 0,
	    "turn 2 undecided");
	is_int(va_callstate_set_expect(st, "c1", 1, "order_number"), 0, "set");
	is_int(va_callstate_get_expect(st, "c1", 2, &e, 0), 1, "decided");
	is_str(e, "order_number", "expectation");
	free(e);
	is_int(va_callstate_set_expect(st, "c1", 2, NULL), 0, "set none");
	is_int(va_callstate_get_expect(st, "c1", 3, &e, 0), 1, "decided");
	ok(e == NULL, "no expectation recorded as such");

	/* Another process decides while this one waits. */
	if ((pid = fork()) == 0) {
		struct va_store *s2;

		va_sleep_ms(200);
		s2 = va_store_open(path);
		va_callstate_set_expect(s2, "c1", 3, "yesno");
		va_store_close(s2);
		_exit(0);
	}
	t0 = va_mono_us();
	is_int(va_callstate_get_expect(st, "c1", 4, &e, 3000), 1,
	    "waiting sees another process's decision");
	is_str(e, "yesno", "its expectation");
	ok(va_mono_us() - t0 < 2500000, "without waiting the whole time");
	free(e);
	waitpid(pid, &status, 0);
	t0 = va_mono_us();
	is_int(va_callstate_get_expect(st, "c1", 9, &e, 100), 0,
	    "gives up after wait_ms");
	ok(va_mono_us() - t0 >= 90000, "having waited");

	va_store_close(st);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
