/*
 * t_linein.c - unit tests for lib/linein.c, bounded input lines one
 * read(2) at a time: lines split over reads, several in one read, blank
 * lines, the last line without a newline, overlong lines (within one read,
 * over several, at end of input) logged once and skipped to their newline,
 * a line of exactly max_line bytes, buffer growth, VA_MAX_LINE, and a read
 * error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linein.h"
#include "log.h"
#include "tap.h"

static int errfd = -1;		/* an anonymous file: tmpfile(3) */
static int saved_stderr = -1, wfd = -1;
static char got[8192];		/* the lines got, "|"-separated; -1 as "!" */

/* An unnamed scratch file, gone when closed; -1 on failure. */
static int
scratch_fd(void)
{
	FILE *fp;
	int fd;

	if ((fp = tmpfile()) == NULL)
		return -1;
	fd = dup(fileno(fp));
	fclose(fp);
	return fd;
}

/* Diagnostics go to a file while a case runs. */
static void
err_begin(void)
{
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (ftruncate(errfd, 0) == -1 || lseek(errfd, 0, SEEK_SET) == -1)
		printf("# cannot empty the diagnostics file\n");
	dup2(errfd, STDERR_FILENO);
}

/* The diagnostics logged since err_begin(). */
static const char *
err_end(void)
{
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	buf[0] = '\0';
	if (lseek(errfd, 0, SEEK_SET) != -1) {
		n = read(errfd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	return buf;
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

/* A reader on a fresh pipe; wfd is its write end. */
static void
open_pipe(struct va_linein *in, size_t max_line)
{
	int p[2];

	if (pipe(p) == -1)
		printf("# pipe failed\n");
	va_linein_init(in, p[0], max_line);
	wfd = p[1];
	got[0] = '\0';
}

static void
put(const char *s)
{
	if (write(wfd, s, strlen(s)) != (ssize_t)strlen(s))
		printf("# short write\n");
}

static void
close_pipe(struct va_linein *in)
{
	if (wfd != -1)
		close(wfd);
	wfd = -1;
	close(in->fd);
	va_linein_free(in);
}

/* Take out every buffered line into got; returns how many (bad ones too). */
static int
drain(struct va_linein *in)
{
	const char *line;
	size_t len, n;
	int r, k = 0;

	while ((r = va_linein_next(in, &line, &len)) != 0) {
		n = strlen(got);
		if (r == 1)
			snprintf(got + n, sizeof(got) - n, "%s%.*s",
			    n ? "|" : "", (int)len, line);
		else
			snprintf(got + n, sizeof(got) - n, "%s!", n ? "|" : "");
		k++;
	}
	return k;
}

static void
partial_lines(void)
{
	struct va_linein in;

	open_pipe(&in, 0);
	put("{\"type\":");
	is_int(va_linein_fill(&in), 1, "fill: data came in");
	is_int(drain(&in), 0, "no line before its newline");
	put("\"a\"}\n{\"ty");
	va_linein_fill(&in);
	is_int(drain(&in), 1, "a line completed by the next read");
	is_str(got, "{\"type\":\"a\"}", "joined across reads, no newline");
	is_int(in.lineno, 1, "line 1");
	put("pe\":\"b\"}\n\nc\n");
	va_linein_fill(&in);
	is_int(drain(&in), 3, "three lines in one read, a blank one among them");
	is_str(got, "{\"type\":\"a\"}|{\"type\":\"b\"}||c", "blank lines kept");
	is_int(in.lineno, 4, "blank lines are numbered too");
	ok(!va_linein_eof(&in), "not at end yet");
	close(wfd);
	wfd = -1;
	is_int(va_linein_fill(&in), 0, "fill: end of input");
	ok(va_linein_eof(&in), "eof is set");
	is_int(drain(&in), 0, "nothing after a final newline");
	is_int(va_linein_fill(&in), 0, "fill after the end stays at the end");
	close_pipe(&in);
}

static void
last_line_without_newline(void)
{
	struct va_linein in;

	open_pipe(&in, 0);
	put("x\nlast");
	va_linein_fill(&in);
	drain(&in);
	is_str(got, "x", "the unterminated tail waits");
	close(wfd);
	wfd = -1;
	is_int(va_linein_fill(&in), 0, "end of input");
	is_int(drain(&in), 1, "the last line comes out at the end");
	is_str(got, "x|last", "without a newline of its own");
	is_int(in.lineno, 2, "and is numbered");
	close_pipe(&in);
}

static void
overlong_in_one_read(void)
{
	struct va_linein in;
	const char *err;

	open_pipe(&in, 4);
	err_begin();
	put("abcd\nabcdefgh\nok\n");
	va_linein_fill(&in);
	drain(&in);
	err = err_end();
	is_str(got, "abcd|!|ok", "exactly max_line is a line; longer is refused");
	is_int(in.lineno, 3, "the overlong line is numbered");
	is_int(count_str(err, "line_too_long"), 1, "logged once");
	ok(strstr(err, "line 2") != NULL, "with its line number: %s", err);
	close_pipe(&in);
}

static void
overlong_over_reads(void)
{
	struct va_linein in;
	const char *err;

	open_pipe(&in, 4);
	err_begin();
	put("abcdef");
	va_linein_fill(&in);
	is_int(drain(&in), 1, "refused as soon as it is too long");
	is_str(got, "!", "before its newline");
	put("ghijkl");
	va_linein_fill(&in);
	put("mn");
	va_linein_fill(&in);
	is_int(drain(&in), 0, "its rest is skipped, not a new bad line");
	put("op\nok\n");
	va_linein_fill(&in);
	drain(&in);
	err = err_end();
	is_str(got, "!|ok", "the next line after its newline is fine");
	is_int(in.lineno, 2, "the rest does not count as a line");
	is_int(count_str(err, "line_too_long"), 1, "logged once only");
	ok(in.cap <= 128 * 1024, "the buffer did not grow for it");
	close_pipe(&in);
}

static void
overlong_at_end(void)
{
	struct va_linein in;
	const char *err;

	open_pipe(&in, 4);
	err_begin();
	put("ok\nabcdefg");
	close(wfd);
	wfd = -1;
	va_linein_fill(&in);
	drain(&in);
	is_int(va_linein_fill(&in), 0, "end of input");
	is_int(drain(&in), 0, "the dropped tail is not a last line");
	err = err_end();
	is_str(got, "ok|!", "an unterminated overlong line is refused once");
	is_int(count_str(err, "line_too_long"), 1, "logged once");
	close_pipe(&in);
}

static void
growth(void)
{
	struct va_linein in;
	char *big;
	size_t n = 300000;
	int fd, k = 0, r;
	const char *line = NULL;
	size_t len = 0;

	big = malloc(n + 8);
	memset(big, 'a', n);
	memcpy(big + n, "\nb", 2);
	fd = scratch_fd();
	if (write(fd, big, n + 2) != (ssize_t)(n + 2) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		printf("# short write\n");
	va_linein_init(&in, fd, 0);
	while (k == 0 && va_linein_fill(&in) == 1)
		while ((r = va_linein_next(&in, &line, &len)) == 1)
			k++;
	is_int(k, 1, "a 300000-byte line under the default bound");
	is_int((long long)len, (long long)n, "whole");
	ok(line != NULL && line[0] == 'a' && line[n - 1] == 'a', "intact");
	while (va_linein_fill(&in) == 1)
		;
	is_int(va_linein_next(&in, &line, &len), 1, "then the last line");
	ok(len == 1 && line[0] == 'b', "b");
	va_linein_free(&in);
	close(fd);
	free(big);
}

static void
environment_bound(void)
{
	struct va_linein in;

	setenv("VA_MAX_LINE", "3", 1);
	va_linein_init(&in, 0, 0);
	is_int((long long)in.max_line, 3, "VA_MAX_LINE when none is given");
	va_linein_free(&in);
	va_linein_init(&in, 0, 7);
	is_int((long long)in.max_line, 7, "a given bound wins");
	va_linein_free(&in);
	unsetenv("VA_MAX_LINE");
	va_linein_init(&in, 0, 0);
	is_int((long long)in.max_line, 1024 * 1024, "default 1 MiB");
	va_linein_free(&in);
	va_linein_init(&in, 0, (size_t)1 << 40);
	is_int((long long)in.max_line, 1LL << 30, "at most 1 GiB");
	va_linein_free(&in);
}

static void
read_error(void)
{
	struct va_linein in;
	const char *err;
	int r;

	va_linein_init(&in, 9999, 0);	/* not an open descriptor */
	err_begin();
	r = va_linein_fill(&in);
	err = err_end();
	is_int(r, -1, "a read error is -1");
	ok(strstr(err, "read_error") != NULL, "and logged: %s", err);
	ok(!va_linein_eof(&in), "not an end of input");
	va_linein_free(&in);
}

int
main(void)
{
	if ((errfd = scratch_fd()) == -1) {
		printf("Bail out! tmpfile\n");
		return 1;
	}
	setenv("VA_LOG", "brief", 1);
	unsetenv("VA_LOG_LEVEL");
	unsetenv("VA_MAX_LINE");
	va_log_init("t_linein");
	partial_lines();
	last_line_without_newline();
	overlong_in_one_read();
	overlong_over_reads();
	overlong_at_end();
	growth();
	environment_bound();
	read_error();
	close(errfd);
	return tap_done();
}
