/*
 * t_breaker.c - unit tests for lib/breaker.c: closed, open, half-open and
 * back under a movable clock, a trial that never reports, defaults, and
 * processes racing for the one half-open trial.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "breaker.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "tap.h"

#define T0	1700000000000LL
#define NRACE	6	/* processes racing for each trial */
#define ROUNDS	5

static char dir[] = "/tmp/t_breaker.XXXXXX";
static char path[512];

static const struct va_breaker_conf conf = { 3, 10000 };

static void
fail_n(struct va_store *s, const char *name,
    const struct va_breaker_conf *c, int n)
{
	while (n-- > 0)
		va_breaker_failure(s, name, c);
}

static void
test_cycle(struct va_store *s)
{
	int64_t t;

	va_clock_set_fixed(T0);
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_CLOSED,
	    "an unknown backend is closed");
	is_int(va_breaker_allow(s, "orders", &conf), 1, "closed: allowed");
	is_int(va_breaker_success(s, "orders"), 0, "success on no row");

	fail_n(s, "orders", &conf, 2);
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_CLOSED,
	    "2 failures of 3: still closed");
	is_int(va_breaker_allow(s, "orders", &conf), 1, "still allowed");
	is_int(va_breaker_success(s, "orders"), 0, "a success");
	fail_n(s, "orders", &conf, 2);
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_CLOSED,
	    "a success resets the count: 2 more do not open it");
	is_int(va_breaker_failure(s, "orders", &conf), 0, "third failure");
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_OPEN,
	    "3 consecutive failures open it");
	is_int(va_breaker_allow(s, "orders", &conf), 0, "open: fail fast");
	is_int(va_breaker_state(s, "payments", &conf), VA_BREAKER_CLOSED,
	    "other backends unaffected");

	va_clock_set_fixed(T0 + 9999);
	is_int(va_breaker_allow(s, "orders", &conf), 0,
	    "still open 1 ms before the cool-down ends");
	va_breaker_failure(s, "orders", &conf);
	va_clock_set_fixed(T0 + 10000);
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_HALF_OPEN,
	    "a late failure while open does not extend the cool-down");
	is_int(va_breaker_allow(s, "orders", &conf), 1,
	    "after the cool-down: the trial");
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_HALF_OPEN,
	    "half-open while the trial runs");
	is_int(va_breaker_allow(s, "orders", &conf), 0, "only one trial");
	is_int(va_breaker_failure(s, "orders", &conf), 0, "the trial fails");
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_OPEN,
	    "open again");

	t = T0 + 10000;
	va_clock_set_fixed(t + 9999);
	is_int(va_breaker_allow(s, "orders", &conf), 0,
	    "with a fresh cool-down");
	va_clock_set_fixed(t + 10000);
	is_int(va_breaker_allow(s, "orders", &conf), 1, "a second trial");
	is_int(va_breaker_success(s, "orders"), 0, "the trial succeeds");
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_CLOSED,
	    "closed");
	is_int(va_breaker_allow(s, "orders", &conf), 1, "allowed");
	is_int(va_breaker_allow(s, "orders", &conf), 1, "and again");
	fail_n(s, "orders", &conf, 2);
	is_int(va_breaker_state(s, "orders", &conf), VA_BREAKER_CLOSED,
	    "closing reset the count");
	va_breaker_success(s, "orders");
}

static void
test_lost_trial(struct va_store *s)
{
	va_clock_set_fixed(T0);
	fail_n(s, "crm", &conf, 3);
	va_clock_set_fixed(T0 + 10000);
	is_int(va_breaker_allow(s, "crm", &conf), 1, "trial handed out");
	/* Its process dies and never reports. */
	va_clock_set_fixed(T0 + 19999);
	is_int(va_breaker_allow(s, "crm", &conf), 0,
	    "no second trial within a cool-down");
	va_clock_set_fixed(T0 + 20000);
	is_int(va_breaker_allow(s, "crm", &conf), 1,
	    "a trial that never reported is given up after a cool-down");
	is_int(va_breaker_allow(s, "crm", &conf), 0, "and only one again");
	va_breaker_success(s, "crm");
	is_int(va_breaker_state(s, "crm", &conf), VA_BREAKER_CLOSED,
	    "its success closes it");
}

static void
test_defaults(struct va_store *s)
{
	static const struct va_breaker_conf zero = { 0, 0 };

	va_clock_set_fixed(T0);
	fail_n(s, "carrier", NULL, 4);
	is_int(va_breaker_state(s, "carrier", NULL), VA_BREAKER_CLOSED,
	    "default threshold: 4 failures keep it closed");
	va_breaker_failure(s, "carrier", &zero);
	is_int(va_breaker_state(s, "carrier", NULL), VA_BREAKER_OPEN,
	    "the 5th opens it (zero conf means defaults)");
	va_clock_set_fixed(T0 + 29999);
	is_int(va_breaker_allow(s, "carrier", NULL), 0,
	    "default cool-down: open at 29.999 s");
	va_clock_set_fixed(T0 + 30000);
	is_int(va_breaker_allow(s, "carrier", &zero), 1, "trial at 30 s");
	va_breaker_success(s, "carrier");
}

static void
test_two_handles(struct va_store *s)
{
	struct va_store *s2;

	s2 = va_store_open(path);
	va_clock_set_fixed(T0);
	fail_n(s, "tickets", &conf, 3);
	is_int(va_breaker_allow(s2, "tickets", &conf), 0,
	    "another connection sees it open");
	va_clock_set_fixed(T0 + 10000);
	is_int(va_breaker_allow(s2, "tickets", &conf), 1,
	    "the other connection takes the trial");
	is_int(va_breaker_allow(s, "tickets", &conf), 0,
	    "this one is refused");
	va_breaker_success(s2, "tickets");
	is_int(va_breaker_allow(s, "tickets", &conf), 1,
	    "and sees it closed by the other");
	va_store_close(s2);
}

/* Exit 1 with the trial, 0 without, 2 on error. */
static int
racer(int startfd)
{
	struct va_store *s;
	char c;
	int rc;

	if ((s = va_store_open(path)) == NULL)
		return 2;
	while (read(startfd, &c, 1) > 0)
		;
	rc = va_breaker_allow(s, "race", &conf);
	va_store_close(s);
	return rc == 1 ? 1 : rc == 0 ? 0 : 2;
}

/*
 * The parent holds no connection across fork(): a child must not use it,
 * and the memory it would inherit would show up as leaks under valgrind.
 */
static void
test_race(void)
{
	struct va_store *s;
	pid_t pid[NRACE];
	int64_t t;
	int fds[2], i, r, status, got, errors, exact = 0;

	va_clock_set_fixed(T0);
	s = va_store_open(path);
	fail_n(s, "race", &conf, 3);
	va_store_close(s);
	for (r = 0; r < ROUNDS; r++) {
		/* Open since t; the racers start when it has cooled. */
		t = T0 + r * 100000;
		va_clock_set_fixed(t);
		if (r > 0) {
			s = va_store_open(path);
			va_breaker_failure(s, "race", &conf);
			va_store_close(s);
		}
		va_clock_set_fixed(t + 10000);
		if (pipe(fds) == -1) {
			ok(0, "pipe");
			return;
		}
		fflush(stdout);
		fflush(stderr);
		for (i = 0; i < NRACE; i++)
			if ((pid[i] = fork()) == 0) {
				close(fds[1]);
				_exit(racer(fds[0]));
			}
		close(fds[0]);
		/* Let them all open the store, then start them at once. */
		va_sleep_ms(100);
		close(fds[1]);
		got = errors = 0;
		for (i = 0; i < NRACE; i++) {
			if (pid[i] <= 0 ||
			    waitpid(pid[i], &status, 0) != pid[i] ||
			    !WIFEXITED(status) || WEXITSTATUS(status) > 1)
				errors++;
			else
				got += WEXITSTATUS(status);
		}
		if (got == 1 && errors == 0)
			exact++;
		else
			printf("# round %d: %d trials, %d errors\n", r, got,
			    errors);
	}
	is_int(exact, ROUNDS, "%d rounds of %d processes racing: exactly one"
	    " trial each", ROUNDS, NRACE);
	s = va_store_open(path);
	is_int(va_breaker_state(s, "race", &conf), VA_BREAKER_HALF_OPEN,
	    "the breaker is half-open with its trial out");
	va_store_close(s);
}

/* peek: the state with the failure count, for a caller's memo. */
static void
test_peek(struct va_store *s)
{
	int n = -1;

	va_clock_set_fixed(T0);
	is_int(va_breaker_peek(s, "peek", &conf, &n), VA_BREAKER_CLOSED,
	    "peek: unknown backend closed");
	is_int(n, 0, "peek: no failures");
	fail_n(s, "peek", &conf, 2);
	is_int(va_breaker_peek(s, "peek", &conf, &n), VA_BREAKER_CLOSED,
	    "peek: closed with failures");
	is_int(n, 2, "peek: two failures counted");
	va_breaker_success(s, "peek");
	va_breaker_peek(s, "peek", &conf, &n);
	is_int(n, 0, "peek: a success resets the count");
	fail_n(s, "peek", &conf, 3);
	is_int(va_breaker_peek(s, "peek", &conf, &n), VA_BREAKER_OPEN,
	    "peek: open after the threshold");
	va_clock_set_fixed(T0 + 5000);
	fail_n(s, "peek", &conf, 5);
	va_clock_set_fixed(T0 + 9999);
	is_int(va_breaker_state(s, "peek", &conf), VA_BREAKER_OPEN,
	    "late failures while open keep the first cool-down");
	va_clock_set_fixed(T0 + 10000);
	is_int(va_breaker_peek(s, "peek", &conf, &n), VA_BREAKER_HALF_OPEN,
	    "peek: past the cool-down it is half-open");
}

int
main(void)
{
	struct va_store *s;
	char cmd[600];

	setenv("VA_LOG", "brief", 1);
	va_log_init("t_breaker");
	/* breaker_open warnings are expected here. */
	va_log_set_level(VA_ERROR);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/va.db", dir);
	if ((s = va_store_open(path)) == NULL) {
		ok(0, "store opens");
		return tap_done();
	}
	is_int(va_breaker_init(s), 0, "init");
	is_int(va_breaker_init(s), 0, "init again is a no-op");
	is_int(va_store_version(s, "breaker"), 1, "component at version 1");
	test_cycle(s);
	test_lost_trial(s);
	test_defaults(s);
	test_two_handles(s);
	test_peek(s);
	va_store_close(s);
	test_race();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
