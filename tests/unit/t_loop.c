/*
 * t_loop.c - unit tests for lib/loop.c, the filter loop: byte-exact
 * pass-through, order, bad and overlong lines, --strict, blank lines, the
 * last line without a newline, handler and finish statuses, flushing
 * before a wait, signals (also one landing just before a wait), a closed
 * reader, and a large stream through a pipe.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "tap.h"

#define BIG_EVENTS	200000

static char dir[] = "/tmp/t_loop.XXXXXX";
static char out_path[300], err_path[300], in_path[300];
static int out_fd = -1, saved_stderr = -1;
static char *out_buf, *err_buf;

/* What the handlers saw, for the checks. */
static struct {
	int	handled;
	int	finished;
	int	finish_status;
	int	fail_on;	/* handler returns 75 on event number fail_on */
	char	types[4096];
} seen;

static const char *const ping_types[] = { "ping", NULL };

static char *
slurp(const char *path, size_t *lenp)
{
	struct stat sb;
	char *buf;
	ssize_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		buf = calloc(1, 1);
		if (fd != -1)
			close(fd);
	} else {
		buf = malloc((size_t)sb.st_size + 1);
		n = read(fd, buf, (size_t)sb.st_size);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (lenp != NULL)
		*lenp = n > 0 ? (size_t)n : 0;
	return buf;
}

static void
write_file(const char *path, const char *s, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, len) != (ssize_t)len)
		printf("# cannot write %s\n", path);
	if (fd != -1)
		close(fd);
}

/* Start a case: fresh output and stderr files, counters noted. */
static void
begin(void)
{
	int fd;

	if (ftruncate(out_fd, 0) == -1 || lseek(out_fd, 0, SEEK_SET) == -1)
		printf("# cannot reset output\n");
	va_out_set_fd(out_fd);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	memset(&seen, 0, sizeof(seen));
}

/* End a case: stderr back, output and diagnostics read into buffers. */
static void
end(void)
{
	va_out_flush();
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	free(out_buf);
	free(err_buf);
	out_buf = slurp(out_path, NULL);
	err_buf = slurp(err_path, NULL);
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
note_type(const struct va_event *ev)
{
	size_t n = strlen(seen.types);

	snprintf(seen.types + n, sizeof(seen.types) - n, "%s%s",
	    n ? "," : "", ev->type);
}

/* Answer a ping with a pong that carries n. */
static int
h_ping(const struct va_event *ev, void *arg)
{
	int64_t n = -1;

	seen.handled++;
	note_type(ev);
	va_event_int(ev, "n", &n);
	va_emit_begin("pong", ev);
	va_emit_int("n", n);
	va_emit_end(NULL);
	return seen.fail_on != 0 && seen.handled == seen.fail_on ? 75 : 0;
}

static int
h_finish(void *arg)
{
	seen.finished++;
	va_emit_begin("done", NULL);
	va_emit_end(NULL);
	return seen.finish_status;
}

/* Run the loop over input held in a file; returns its status. */
static int
run_file(struct va_filter *f, const char *in, size_t len)
{
	int fd, rc;

	write_file(in_path, in, len);
	fd = open(in_path, O_RDONLY);
	f->fd = fd;
	begin();
	rc = va_filter_run(f);
	end();
	close(fd);
	return rc;
}

static int
run_str(struct va_filter *f, const char *in)
{
	return run_file(f, in, strlen(in));
}

static struct va_filter
ping_filter(void)
{
	struct va_filter f;

	memset(&f, 0, sizeof(f));
	f.types = ping_types;
	f.handle = h_ping;
	f.finish = h_finish;
	return f;
}

static void
test_passthrough(void)
{
	static const char in[] =
	    "{\"type\":\"a\",  \"x\" : 1}\n"
	    "{ \"z\":[1, {\"q\":\"\\u00e9\"}], \"type\":\"b\"}\n"
	    "\t{\"type\":\"c\",\"s\":\"\\\"\\n\xc3\xa9\"} \r\n"
	    "{\"t\\u0079pe\":\"d\",\"n\":1e5}\n"
	    "{\"type\":\"ping\",\"n\":7,\"call\":\"k\"}\n"
	    "{\"type\":\"e\"}\n";
	struct va_filter f = ping_filter();
	int rc;

	setenv("VA_FIXED_CLOCK", "1700000000000", 1);
	rc = run_str(&f, in);
	is_int(rc, 0, "pass-through: status 0");
	is_str(out_buf,
	    "{\"type\":\"a\",  \"x\" : 1}\n"
	    "{ \"z\":[1, {\"q\":\"\\u00e9\"}], \"type\":\"b\"}\n"
	    "\t{\"type\":\"c\",\"s\":\"\\\"\\n\xc3\xa9\"} \r\n"
	    "{\"t\\u0079pe\":\"d\",\"n\":1e5}\n"
	    "{\"type\":\"pong\",\"call\":\"k\",\"by\":\"va-test\","
	    "\"at\":1700000000000,\"n\":7}\n"
	    "{\"type\":\"e\"}\n"
	    "{\"type\":\"done\",\"by\":\"va-test\",\"at\":1700000000000}\n",
	    "unhandled lines byte for byte (spacing, order, escapes, CRLF)");
	is_str(err_buf, "", "pass-through: no diagnostics");
	is_int(seen.handled, 1, "one handled event");
	is_int(seen.finished, 1, "finish called once");
	is_int(va_filter_lines(), 6, "six lines read");
	is_int(va_filter_bad_lines(), 0, "no bad lines");
}

static void
test_order(void)
{
	char in[4096], want[8192];
	size_t n = 0, w = 0;
	struct va_filter f = ping_filter();
	int i;

	f.finish = NULL;
	for (i = 0; i < 40; i++) {
		if (i % 3 == 0) {
			n += (size_t)snprintf(in + n, sizeof(in) - n,
			    "{\"type\":\"ping\",\"n\":%d}\n", i);
			w += (size_t)snprintf(want + w, sizeof(want) - w,
			    "{\"type\":\"pong\",\"by\":\"va-test\","
			    "\"at\":1700000000000,\"n\":%d}\n", i);
		} else {
			n += (size_t)snprintf(in + n, sizeof(in) - n,
			    "{\"type\":\"x%d\"}\n", i);
			w += (size_t)snprintf(want + w, sizeof(want) - w,
			    "{\"type\":\"x%d\"}\n", i);
		}
	}
	is_int(run_file(&f, in, n), 0, "order: status 0");
	is_str(out_buf, want, "handled and passed events keep their order");
	is_int(seen.handled, 14, "14 pings handled");
}

static void
test_bad_lines(void)
{
	static const char in[] =
	    "{\"type\":\"a\"}\n"		/* 1 */
	    "not json\n"			/* 2 */
	    "\n"				/* 3 blank */
	    "{\"x\":1}\n"			/* 4 no type */
	    "[1]\n"				/* 5 */
	    "{\"type\":\"ping\",\"n\":1}\n"	/* 6 */
	    "{\"type\":2}\n"			/* 7 */
	    "{\"type\":\"b\"} junk\n"		/* 8 */
	    "{\"type\":\"c\"}\n";		/* 9 */
	struct va_filter f = ping_filter();
	int rc;

	rc = run_str(&f, in);
	is_int(rc, 65, "bad lines: status 65 at the end");
	is_str(out_buf, "{\"type\":\"a\"}\n"
	    "{\"type\":\"pong\",\"by\":\"va-test\",\"at\":1700000000000,"
	    "\"n\":1}\n{\"type\":\"c\"}\n"
	    "{\"type\":\"done\",\"by\":\"va-test\",\"at\":1700000000000}\n",
	    "bad lines dropped, the rest processed, finish still called");
	is_int(count_str(err_buf, "\"diag\":\"bad_line\""), 5,
	    "five bad_line diagnostics");
	ok(strstr(err_buf, "\"msg\":\"line 2:") != NULL &&
	    strstr(err_buf, "\"msg\":\"line 4:") != NULL &&
	    strstr(err_buf, "\"msg\":\"line 5:") != NULL &&
	    strstr(err_buf, "\"msg\":\"line 7:") != NULL &&
	    strstr(err_buf, "\"msg\":\"line 8:") != NULL,
	    "diagnostics name lines 2, 4, 5, 7, 8 (blank lines count)");
	ok(strstr(err_buf, "line 3") == NULL && strstr(err_buf, "line 9")
	    == NULL, "no diagnostic for the blank or good lines");
	ok(strstr(err_buf, "{\"level\":\"warn\",\"prog\":\"va-test\","
	    "\"diag\":\"bad_line\",\"msg\":\"line 2: ") == err_buf,
	    "brief diagnostic shape");
	ok(strstr(err_buf, "\"ts\"") == NULL, "brief: no timestamp");
	is_int(va_filter_lines(), 9, "nine lines counted");
	is_int(va_filter_bad_lines(), 5, "five bad lines counted");
	is_int(seen.finished, 1, "finish called once");

	f.strict = 1;
	rc = run_str(&f, in);
	is_int(rc, 65, "strict: status 65");
	is_str(out_buf, "{\"type\":\"a\"}\n", "strict: stops at line 2");
	is_int(count_str(err_buf, "bad_line"), 1, "strict: one diagnostic");
	is_int(seen.handled, 0, "strict: nothing after the bad line");
	is_int(seen.finished, 0, "strict: finish not called");
	is_int(va_filter_lines(), 2, "strict: two lines read");
}

static void
test_blank(void)
{
	static const char in[] = "\n\n  \n\t\r\n\r\n{\"type\":\"a\"}\n \n"
	    "{\"type\":\"b\"}\n\n";
	struct va_filter f = ping_filter();

	f.finish = NULL;
	is_int(run_str(&f, in), 0, "blank lines: status 0");
	is_str(out_buf, "{\"type\":\"a\"}\n{\"type\":\"b\"}\n",
	    "blank lines skipped");
	is_str(err_buf, "", "blank lines: silent");
	is_int(va_filter_bad_lines(), 0, "blank lines are not bad");

	is_int(run_str(&f, ""), 0, "empty input: 0");
	is_str(out_buf, "", "empty input: no output");
	is_int(va_filter_lines(), 0, "empty input: no lines");
}

static void
test_last_line(void)
{
	struct va_filter f = ping_filter();

	f.finish = NULL;
	is_int(run_str(&f, "{\"type\":\"a\"}\n{\"type\":\"b\"}"), 0,
	    "unterminated last line: status 0");
	is_str(out_buf, "{\"type\":\"a\"}\n{\"type\":\"b\"}\n",
	    "unterminated last line processed, newline added");
	is_int(run_str(&f, "{\"type\":\"ping\",\"n\":3}"), 0,
	    "single unterminated handled line");
	is_int(seen.handled, 1, "handled");
	is_int(run_str(&f, "{\"type\":\"a\"}\n{\"type\":"), 65,
	    "unterminated bad last line: 65");
	is_str(out_buf, "{\"type\":\"a\"}\n", "first line kept");
	ok(strstr(err_buf, "line 2:") != NULL, "bad last line named");
	is_int(run_str(&f, "   "), 0, "only blanks, unterminated: 0");
	is_str(err_buf, "", "only blanks: silent");
}

/* {"type":"a","pad":"xxx..."} of exactly len bytes (len >= 22). */
static char *
padded(size_t len, const char *type)
{
	char *s = malloc(len + 1);
	int n;

	n = snprintf(s, len + 1, "{\"type\":\"%s\",\"pad\":\"", type);
	memset(s + n, 'x', len - (size_t)n - 2);
	memcpy(s + len - 2, "\"}", 3);
	return s;
}

static void
test_overlong(void)
{
	struct va_filter f = ping_filter();
	char *l100, *l101, *huge, *in;
	size_t hl = 200 * 1024, n;

	f.finish = NULL;
	f.max_line = 100;
	l100 = padded(100, "a");
	l101 = padded(101, "b");
	huge = padded(hl, "c");
	in = malloc(2 * hl + 1024);

	n = (size_t)sprintf(in, "%s\n%s\n{\"type\":\"d\"}\n", l100, l101);
	is_int(run_file(&f, in, n), 65, "101 bytes over a limit of 100: 65");
	ok(strncmp(out_buf, l100, 100) == 0 && strcmp(out_buf + 100,
	    "\n{\"type\":\"d\"}\n") == 0,
	    "100-byte line kept, 101-byte line dropped, next processed");
	is_int(count_str(err_buf, "\"diag\":\"line_too_long\""), 1,
	    "one line_too_long");
	ok(strstr(err_buf, "\"msg\":\"line 2:") != NULL,
	    "line_too_long names line 2");
	is_int(va_filter_bad_lines(), 1, "counted as a bad line");

	/* Bigger than a read block, with lines and a bad line after it. */
	n = (size_t)sprintf(in, "{\"type\":\"a\"}\n%s\n{\"type\":\"ping\","
	    "\"n\":1}\nbad\n{\"type\":\"e\"}\n", huge);
	is_int(run_file(&f, in, n), 65, "200 KiB line over 100: 65");
	is_str(out_buf, "{\"type\":\"a\"}\n{\"type\":\"pong\","
	    "\"by\":\"va-test\",\"at\":1700000000000,\"n\":1}\n"
	    "{\"type\":\"e\"}\n", "lines around a huge line processed");
	is_int(count_str(err_buf, "line_too_long"), 1,
	    "the huge line is logged once");
	ok(strstr(err_buf, "line 2:") != NULL, "huge line is line 2");
	ok(strstr(err_buf, "\"diag\":\"bad_line\",\"msg\":\"line 4:") != NULL,
	    "line numbers stay right after it");
	is_int(va_filter_lines(), 5, "five lines counted");

	/* Two huge lines in a row, then a good one, then end of input. */
	n = (size_t)sprintf(in, "%s\n%s\n{\"type\":\"z\"}\n", huge, huge);
	is_int(run_file(&f, in, n), 65, "two huge lines: 65");
	is_str(out_buf, "{\"type\":\"z\"}\n", "line after two huge kept");
	is_int(count_str(err_buf, "line_too_long"), 2, "two logged");

	/* A huge last line without a newline. */
	n = (size_t)sprintf(in, "{\"type\":\"a\"}\n%s", huge);
	is_int(run_file(&f, in, n), 65, "huge unterminated last line: 65");
	is_str(out_buf, "{\"type\":\"a\"}\n", "first line kept");
	is_int(count_str(err_buf, "line_too_long"), 1, "logged once");

	/* A short unterminated last line over the limit. */
	n = (size_t)sprintf(in, "{\"type\":\"a\"}\n%s", l101);
	is_int(run_file(&f, in, n), 65, "101-byte unterminated last line");
	is_int(count_str(err_buf, "line_too_long"), 1, "logged");

	/* --strict stops at an overlong line. */
	f.strict = 1;
	n = (size_t)sprintf(in, "{\"type\":\"a\"}\n%s\n{\"type\":\"b\"}\n",
	    huge);
	is_int(run_file(&f, in, n), 65, "strict, huge line: 65");
	is_str(out_buf, "{\"type\":\"a\"}\n", "strict: stops at it");
	f.strict = 0;

	/* Under the default limit a 200 KiB line passes whole. */
	f.max_line = 0;
	unsetenv("VA_MAX_LINE");
	n = (size_t)sprintf(in, "%s\n%s\n", huge, huge);
	is_int(run_file(&f, in, n), 0, "default limit: 200 KiB lines pass");
	ok(strlen(out_buf) == n && memcmp(out_buf, in, n) == 0,
	    "two 200 KiB lines byte for byte");

	/* VA_MAX_LINE applies when max_line is 0. */
	setenv("VA_MAX_LINE", "100", 1);
	n = (size_t)sprintf(in, "%s\n%s\n", l100, l101);
	is_int(run_file(&f, in, n), 65, "VA_MAX_LINE=100");
	ok(strncmp(out_buf, l100, 100) == 0 && strlen(out_buf) == 101,
	    "VA_MAX_LINE drops the 101-byte line");
	unsetenv("VA_MAX_LINE");

	free(l100);
	free(l101);
	free(huge);
	free(in);
}

static void
test_status(void)
{
	static const char in[] = "{\"type\":\"a\"}\n"
	    "{\"type\":\"ping\",\"n\":1}\n"
	    "{\"type\":\"ping\",\"n\":2}\n{\"type\":\"b\"}\n"
	    "{\"type\":\"ping\",\"n\":3}\n";
	struct va_filter f = ping_filter();
	int rc;

	/* The handler fails on the second ping. */
	write_file(in_path, in, strlen(in));
	f.fd = open(in_path, O_RDONLY);
	begin();
	seen.fail_on = 2;
	rc = va_filter_run(&f);
	end();
	close(f.fd);
	is_int(rc, 75, "handler status 75 stops the loop");
	is_int(seen.handled, 2, "no event after the failing one");
	is_int(seen.finished, 0, "finish not called after a stop");
	is_str(out_buf, "{\"type\":\"a\"}\n"
	    "{\"type\":\"pong\",\"by\":\"va-test\",\"at\":1700000000000,"
	    "\"n\":1}\n{\"type\":\"pong\",\"by\":\"va-test\","
	    "\"at\":1700000000000,\"n\":2}\n",
	    "output up to the failing event flushed");

	/* finish decides the status at the end. */
	write_file(in_path, in, strlen(in));
	f.fd = open(in_path, O_RDONLY);
	begin();
	seen.finish_status = 70;
	rc = va_filter_run(&f);
	end();
	close(f.fd);
	is_int(rc, 70, "finish status 70");
	is_int(seen.finished, 1, "finish called once");
	{
		static const char done[] = "{\"type\":\"done\","
		    "\"by\":\"va-test\",\"at\":1700000000000}\n";
		size_t n = strlen(out_buf);

		ok(n > sizeof(done) && strcmp(out_buf + n - sizeof(done) + 1,
		    done) == 0 && count_str(out_buf, "done") == 1,
		    "finish output comes last, once");
	}

	/* types == NULL hands every event to the handler. */
	f.types = NULL;
	f.finish = NULL;
	rc = run_str(&f, in);
	is_int(rc, 0, "all types: 0");
	is_int(seen.handled, 5, "all types: five handled");
	is_str(seen.types, "a,ping,ping,b,ping", "all types: in order");
	is_int(count_str(out_buf, "\"type\":\"pong\""), 5, "nothing passed");
}

/* Write s to fd in pieces of 1..7 bytes. */
static void
dribble(int fd, const char *s, size_t len)
{
	size_t k, i = 0;

	while (i < len) {
		k = 1 + i % 7;
		if (k > len - i)
			k = len - i;
		if (write(fd, s + i, k) != (ssize_t)k)
			_exit(1);
		i += k;
	}
}

static void
test_pipe_pieces(void)
{
	static const char in[] = "{\"type\":\"a\",\"s\":\"hello\"}\n"
	    "{\"type\":\"ping\",\"n\":1}\r\n\nbad\n{\"type\":\"b\"}\n"
	    "{\"type\":\"c\"}";
	struct va_filter f = ping_filter();
	int p[2], rc, st;
	pid_t pid;

	f.finish = NULL;
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(p[0]);
		dribble(p[1], in, sizeof(in) - 1);
		_exit(0);
	}
	close(p[1]);
	f.fd = p[0];
	begin();
	rc = va_filter_run(&f);
	end();
	close(p[0]);
	waitpid(pid, &st, 0);
	is_int(rc, 65, "pipe in pieces: 65 for the bad line");
	is_str(out_buf, "{\"type\":\"a\",\"s\":\"hello\"}\n"
	    "{\"type\":\"pong\",\"by\":\"va-test\",\"at\":1700000000000,"
	    "\"n\":1}\n{\"type\":\"b\"}\n{\"type\":\"c\"}\n",
	    "lines reassembled from 1..7-byte writes");
	ok(strstr(err_buf, "line 4:") != NULL, "bad line 4 named");

	/* An overlong line arriving through a pipe in 64 KiB pieces. */
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		char *huge = padded(300 * 1024, "h");

		close(p[0]);
		if (write(p[1], "{\"type\":\"a\"}\n", 13) != 13 ||
		    write(p[1], huge, strlen(huge)) < 0 ||
		    write(p[1], "\n{\"type\":\"b\"}\n", 14) != 14)
			_exit(1);
		free(huge);
		_exit(0);
	}
	close(p[1]);
	f.fd = p[0];
	f.max_line = 1000;
	begin();
	rc = va_filter_run(&f);
	end();
	close(p[0]);
	waitpid(pid, &st, 0);
	is_int(rc, 65, "huge line through a pipe: 65");
	is_str(out_buf, "{\"type\":\"a\"}\n{\"type\":\"b\"}\n",
	    "lines around it kept");
	is_int(count_str(err_buf, "line_too_long"), 1, "logged once");
}

/*
 * The loop must flush before it waits for input: the writer sends one
 * ping and waits (up to 5 s) for the pong before it sends the next line.
 */
static void
test_flush_before_wait(void)
{
	struct va_filter f = ping_filter();
	int p[2], rc, st = -1;
	pid_t pid;

	f.finish = NULL;
	if (pipe(p) == -1)
		return;
	begin();	/* truncates the output file before the writer looks */
	if ((pid = fork()) == 0) {
		struct stat sb;
		int i;

		close(p[0]);
		if (write(p[1], "{\"type\":\"ping\",\"n\":1}\n", 22) != 22)
			_exit(2);
		for (i = 0; i < 5000; i++) {
			if (stat(out_path, &sb) == 0 && sb.st_size > 0)
				break;
			usleep(1000);
		}
		if (write(p[1], "{\"type\":\"x\"}\n", 13) != 13)
			_exit(2);
		_exit(i < 5000 ? 0 : 1);
	}
	close(p[1]);
	f.fd = p[0];
	rc = va_filter_run(&f);
	end();
	close(p[0]);
	waitpid(pid, &st, 0);
	is_int(rc, 0, "flush: status 0");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the answer was out before the loop waited for more input");
	is_int(count_str(out_buf, "\n"), 2, "both lines out");
}

/* SIGTERM: finish the current event, flush, exit 0 (in a child). */
static void
test_signal(void)
{
	int in[2], st = -1, i;
	pid_t pid;
	struct stat sb;

	if (pipe(in) == -1)
		return;
	begin();
	if ((pid = fork()) == 0) {
		struct va_filter f = ping_filter();

		close(in[1]);
		f.fd = in[0];
		_exit(va_filter_run(&f));
	}
	close(in[0]);
	if (write(in[1], "{\"type\":\"ping\",\"n\":1}\n", 22) != 22)
		printf("# write failed\n");
	for (i = 0; i < 5000; i++) {
		if (stat(out_path, &sb) == 0 && sb.st_size > 0)
			break;
		usleep(1000);
	}
	/* Let the child block in read(2) before the signal comes. */
	usleep(50000);
	kill(pid, SIGTERM);
	for (i = 0; i < 5000 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(1000);
	close(in[1]);
	if (i == 5000)
		waitpid(pid, &st, 0);
	end();
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM: exit 0");
	is_str(out_buf, "{\"type\":\"pong\",\"by\":\"va-test\","
	    "\"at\":1700000000000,\"n\":1}\n", "SIGTERM: answer flushed, "
	    "finish not run");
}

/* Wait up to 5 s for a child; kill it if it is still there. */
static int
reap(pid_t pid, int *st)
{
	int i;

	for (i = 0; i < 5000 && waitpid(pid, st, WNOHANG) == 0; i++)
		usleep(1000);
	if (i < 5000)
		return 1;
	kill(pid, SIGKILL);
	waitpid(pid, st, 0);
	return 0;
}

/* A pong, then a SIGTERM that stays pending (the child blocks it). */
static int
h_ping_term(const struct va_event *ev, void *arg)
{
	int rc = h_ping(ev, arg);

	raise(SIGTERM);
	return rc;
}

/*
 * The window between the loop's last look at the stop flag and its wait
 * for input, made deterministic: the child blocks SIGTERM and raises it,
 * so the signal is pending just as if it had landed after the look. The
 * wait must end at once (the loop used to sleep in read(2) until input
 * came, here never: the pipe stays open and idle).
 */
static void
test_signal_window(void)
{
	int in[2], st = -1, fin;
	pid_t pid;

	/* va_signals_poll() itself. */
	if (pipe(in) == -1)
		return;
	if ((pid = fork()) == 0) {
		struct pollfd p = { .fd = in[0], .events = POLLIN };
		sigset_t term;
		int r;

		va_signals_init();
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		raise(SIGTERM);
		if (va_stop_requested())
			_exit(3);	/* blocked: not delivered yet */
		r = va_signals_poll(&p, 1, 10000);
		if (r != -1 || errno != EINTR || !va_stop_requested())
			_exit(4);
		/* Once stopped, a wait returns at once. */
		r = va_signals_poll(&p, 1, 10000);
		_exit(r == -1 && errno == EINTR ? 0 : 5);
	}
	fin = reap(pid, &st);
	close(in[0]);
	close(in[1]);
	ok(fin && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "va_signals_poll: a pending SIGTERM ends the wait at once "
	    "(status %d)", fin && WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/*
	 * The filter loop: the handler of the one event raises SIGTERM,
	 * after which the loop looks at the flag (still clear: blocked)
	 * and goes to wait for more input.
	 */
	if (pipe(in) == -1)
		return;
	if (write(in[1], "{\"type\":\"ping\",\"n\":1}\n", 22) != 22)
		printf("# write failed\n");
	begin();
	if ((pid = fork()) == 0) {
		struct va_filter f = ping_filter();
		sigset_t term;

		close(in[1]);
		f.fd = in[0];
		f.handle = h_ping_term;
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		_exit(va_filter_run(&f));
	}
	fin = reap(pid, &st);
	close(in[0]);
	close(in[1]);
	end();
	ok(fin && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "filter loop: a SIGTERM just before the wait ends it, exit 0");
	is_str(out_buf, "{\"type\":\"pong\",\"by\":\"va-test\","
	    "\"at\":1700000000000,\"n\":1}\n", "filter loop: the event "
	    "before the stop answered and flushed, finish not run");
}

/* A reader that closed the pipe ends the program quietly with 0. */
static void
test_epipe(void)
{
	int p[2], st = -1, fd;
	pid_t pid;
	char *in;
	size_t i, n = 0;

	/* More than the pipe and output buffers hold. */
	in = malloc(400 * 1024);
	for (i = 0; n + 64 < 400 * 1024; i++)
		n += (size_t)sprintf(in + n, "{\"type\":\"a\",\"i\":%zu}\n", i);
	write_file(in_path, in, n);
	free(in);
	if (pipe(p) == -1)
		return;
	close(p[0]);
	begin();
	if ((pid = fork()) == 0) {
		struct va_filter f = ping_filter();

		fd = open(in_path, O_RDONLY);
		f.fd = fd;
		va_out_set_fd(p[1]);
		_exit(10 + va_filter_run(&f));
	}
	close(p[1]);
	waitpid(pid, &st, 0);
	end();
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "closed reader: quiet exit 0 (status %d)", WEXITSTATUS(st));
	is_str(err_buf, "", "closed reader: no diagnostic");
}

/* 200k events through a pipe from a forked writer, every one once. */
static void
test_big(void)
{
	struct va_filter f = ping_filter();
	char line[128], *p, *nl;
	int fds[2], rc, st = -1, good;
	long i, next;
	pid_t pid;
	int64_t t0;
	struct timespec ts;

	f.finish = NULL;
	if (pipe(fds) == -1)
		return;
	if ((pid = fork()) == 0) {
		char buf[65536];
		size_t n = 0;
		int k;

		close(fds[0]);
		for (i = 0; i < BIG_EVENTS; i++) {
			if (i % 10 == 0)
				k = snprintf(buf + n, sizeof(buf) - n,
				    "{\"type\":\"ping\",\"n\":%ld}\n", i);
			else
				k = snprintf(buf + n, sizeof(buf) - n,
				    "{\"type\":\"e\",\"i\":%ld}\n", i);
			n += (size_t)k;
			if (n > sizeof(buf) - 64 || i == BIG_EVENTS - 1) {
				if (write(fds[1], buf, n) != (ssize_t)n)
					_exit(1);
				n = 0;
			}
		}
		_exit(0);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	f.fd = fds[0];
	begin();
	rc = va_filter_run(&f);
	end();
	close(fds[0]);
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("# %d events in %lld ms\n", BIG_EVENTS,
	    (long long)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0));
	is_int(rc, 0, "big: status 0");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "big: writer done");
	is_int(seen.handled, BIG_EVENTS / 10, "big: every ping handled");
	is_int(va_filter_lines(), BIG_EVENTS, "big: lines counted");

	good = 1;
	next = 0;
	for (p = out_buf; *p != '\0' && good; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			good = 0;
			break;
		}
		if (next % 10 == 0)
			snprintf(line, sizeof(line), "{\"type\":\"pong\","
			    "\"by\":\"va-test\",\"at\":1700000000000,"
			    "\"n\":%ld}", next);
		else
			snprintf(line, sizeof(line), "{\"type\":\"e\","
			    "\"i\":%ld}", next);
		if ((size_t)(nl - p) != strlen(line) ||
		    memcmp(p, line, strlen(line)) != 0) {
			printf("# event %ld: %.*s\n", next, (int)(nl - p), p);
			good = 0;
		}
		next++;
	}
	ok(good && next == BIG_EVENTS, "big: all %d events once, in order "
	    "(%ld seen)", BIG_EVENTS, next);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	snprintf(in_path, sizeof(in_path), "%s/in", dir);
	out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	setenv("VA_LOG", "brief", 1);
	setenv("VA_FIXED_CLOCK", "1700000000000", 1);
	unsetenv("VA_LOG_LEVEL");
	unsetenv("VA_MAX_LINE");
	va_log_init("va-test");

	test_passthrough();
	test_order();
	test_bad_lines();
	test_blank();
	test_last_line();
	test_overlong();
	test_status();
	test_pipe_pieces();
	test_flush_before_wait();
	test_signal();
	test_signal_window();
	test_epipe();
	test_big();

	va_out_set_fd(STDOUT_FILENO);
	close(out_fd);
	unlink(out_path);
	unlink(err_path);
	unlink(in_path);
	rmdir(dir);
	free(out_buf);
	free(err_buf);
	return tap_done();
}
