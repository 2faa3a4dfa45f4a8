/*
 * t_http.c - unit tests for lib/http.c against the canned stand-in server
 * (tests/standin/canned.py): outcomes, retries, Retry-After, timeouts, the
 * budget, what is sent, and the helpers.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "log.h"
#include "tap.h"

static char dir[64];		/* the current stand-in's directory */
static char logpath[96];
static char url[128];		/* http://127.0.0.1:PORT */
static pid_t pid = -1;
static int nreplies;

static void
bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

static void
path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

/* Start canned.py answering with replies[0], replies[1], ... in order. */
static void
standin_start(const char *const *replies)
{
	char script[1024], pf[96], p[96];
	const char *top;
	FILE *f;
	int i, port = 0;

	snprintf(dir, sizeof(dir), "/tmp/t_http.XXXXXX");
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	for (nreplies = 0; replies[nreplies] != NULL; nreplies++) {
		snprintf(p, sizeof(p), "%s/%d.http", dir, nreplies + 1);
		if ((f = fopen(p, "w")) == NULL)
			bail("cannot write a reply");
		fputs(replies[nreplies], f);
		fclose(f);
	}
	path_in(pf, sizeof(pf), "port");
	path_in(logpath, sizeof(logpath), "log");
	if ((top = getenv("VA_TOP")) != NULL && *top != '\0')
		snprintf(script, sizeof(script),
		    "%s/tests/standin/canned.py", top);
	else
		snprintf(script, sizeof(script), "tests/standin/canned.py");
	fflush(stdout);
	if ((pid = fork()) == -1)
		bail("fork");
	if (pid == 0) {
		execlp("python3", "python3", script, "--dir", dir,
		    "--port-file", pf, "--log", logpath, (char *)NULL);
		_exit(127);
	}
	/* Up to 10 s: the port file appears once the server listens. */
	for (i = 0; i < 1000 && port == 0; i++) {
		if ((f = fopen(pf, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port == 0)
			va_sleep_ms(10);
	}
	if (port == 0)
		bail("canned.py did not start");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
}

static void
standin_stop(void)
{
	char p[96];
	int i;

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	for (i = 1; i <= nreplies; i++) {
		snprintf(p, sizeof(p), "%s/%d.http", dir, i);
		unlink(p);
	}
	path_in(p, sizeof(p), "port");
	unlink(p);
	unlink(logpath);
	rmdir(dir);
}

/* The stand-in's request log, as one string to search; free() it. */
static char *
read_file(const char *path)
{
	FILE *f;
	char *buf;
	long n;

	if ((f = fopen(path, "r")) == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = calloc(1, (size_t)n + 1)) == NULL)
		bail("out of memory");
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* A request with fast retries, for the path under the stand-in. */
static struct va_http_req
req_for(const char *path, char *buf, size_t cap)
{
	struct va_http_req r;

	memset(&r, 0, sizeof(r));
	snprintf(buf, cap, "%s%s", url, path);
	r.url = buf;
	r.backoff_base_ms = 10;
	r.backoff_max_ms = 50;
	r.timeout_ms = 3000;
	return r;
}

/* A port nothing listens on: bound, read and closed. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s, port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) == -1)
		bail("socket");
	port = ntohs(sa.sin_port);
	close(s);
	return port;
}

static void
test_ok(struct va_http *h)
{
	const char *const replies[] = {
		"HTTP/1.1 200 OK\nContent-Type: text/plain\n"
		"X-Thing: one\nX-Thing: two\n\nhello\n",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256];

	standin_start(replies);
	req = req_for("/ok", u, sizeof(u));
	is_int(va_http_do(h, &req, &r), 0, "200: returns 0");
	is_int(r.status, 200, "200: status");
	is_str(va_http_outcome_name(r.outcome), "ok", "200: outcome ok");
	is_int(r.tries, 1, "200: one try");
	is_str(r.body, "hello\n", "200: body");
	is_int(r.body_len, 6, "200: body_len");
	is_str(va_http_header(&r, "content-type"), "text/plain",
	    "200: header lookup is case-insensitive");
	is_str(va_http_header(&r, "x-thing"), "two",
	    "200: the last header of a name wins");
	ok(va_http_header(&r, "X-Missing") == NULL, "200: missing header");
	ok(va_http_header(&r, "X-Standin-Delay-Ms") == NULL,
	    "200: pseudo-headers are not sent");
	is_str(r.error, "", "200: no error");

	/* The handle is reused: a second exchange starts from scratch. */
	va_http_resp_free(&r);
	ok(r.body == NULL && r.hdrs == NULL && r.nhdrs == 0 && r.tries == 0,
	    "resp_free zeroes the struct");
	is_int(va_http_do(h, &req, &r), 0, "200 again on the same client");
	is_str(r.body, "hello\n", "200 again: body");
	is_int(r.nhdrs, 4, "200 again: headers not accumulated");
	va_http_resp_free(&r);
	standin_stop();
}

static void
test_client_errors(struct va_http *h)
{
	const char *const replies[] = {
		"HTTP/1.1 404 Not Found\n\nno\n",
		"HTTP/1.1 401 Unauthorized\n\n",
		"HTTP/1.1 403 Forbidden\n\n",
		"HTTP/1.1 410 Gone\n\n",
		"HTTP/1.1 400 Bad Request\n\n{\"error\":\"bad\"}",
		"HTTP/1.1 302 Found\nLocation: /elsewhere\n\n",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256], *log;

	standin_start(replies);
	req = req_for("/c", u, sizeof(u));
	is_int(va_http_do(h, &req, &r), 0, "404: returns 0");
	is_int(r.outcome, VA_HTTP_NOT_FOUND, "404: not_found");
	is_int(r.tries, 1, "404: not retried");
	is_str(r.body, "no\n", "404: body kept");
	va_http_resp_free(&r);
	va_http_do(h, &req, &r);
	is_int(r.outcome, VA_HTTP_AUTH, "401: auth");
	is_int(r.tries, 1, "401: not retried");
	va_http_resp_free(&r);
	va_http_do(h, &req, &r);
	is_int(r.outcome, VA_HTTP_AUTH, "403: auth");
	va_http_resp_free(&r);
	va_http_do(h, &req, &r);
	is_int(r.outcome, VA_HTTP_NOT_FOUND, "410: not_found");
	va_http_resp_free(&r);
	va_http_do(h, &req, &r);
	is_int(r.outcome, VA_HTTP_CLIENT, "400: client");
	is_int(r.tries, 1, "400: not retried");
	is_str(r.body, "{\"error\":\"bad\"}", "400: body kept");
	va_http_resp_free(&r);
	is_int(va_http_do(h, &req, &r), 0, "302: returns 0");
	is_int(r.status, 302, "302: not followed");
	is_int(r.outcome, VA_HTTP_PROTOCOL, "302: protocol");
	va_http_resp_free(&r);
	log = read_file(logpath);
	is_int(count_lines(log), 6, "six requests for six calls");
	free(log);
	standin_stop();
}

static void
test_retries(struct va_http *h)
{
	const char *const s500[] = {
		"HTTP/1.1 500 Internal Server Error\n\noops",
		"HTTP/1.1 200 OK\n\nfine",
		NULL
	};
	const char *const s429[] = {
		"HTTP/1.1 429 Too Many Requests\n\n",
		NULL
	};
	const char *const s503[] = {
		"HTTP/1.1 503 Service Unavailable\n\n",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256];

	standin_start(s500);
	req = req_for("/r", u, sizeof(u));
	is_int(va_http_do(h, &req, &r), 0, "500 then 200: returns 0");
	is_int(r.outcome, VA_HTTP_OK, "500 then 200: ok");
	is_int(r.tries, 2, "500 then 200: two tries");
	is_str(r.body, "fine", "500 then 200: body of the last response");
	va_http_resp_free(&r);
	standin_stop();

	standin_start(s429);
	req = req_for("/r", u, sizeof(u));
	is_int(va_http_do(h, &req, &r), 0, "429 x3: returns 0");
	is_int(r.outcome, VA_HTTP_RATE_LIMITED, "429 x3: rate_limited");
	is_int(r.tries, 3, "429 x3: three tries (default max_tries)");
	is_int(r.status, 429, "429 x3: status");
	va_http_resp_free(&r);
	standin_stop();

	standin_start(s503);
	req = req_for("/r", u, sizeof(u));
	req.max_tries = 1;
	va_http_do(h, &req, &r);
	is_int(r.outcome, VA_HTTP_SERVER, "503 with max_tries 1: server");
	is_int(r.tries, 1, "503 with max_tries 1: one try");
	va_http_resp_free(&r);
	standin_stop();
}

static void
test_retry_after(struct va_http *h)
{
	const char *const ra1[] = {
		"HTTP/1.1 429 Too Many Requests\nRetry-After: 1\n\n",
		"HTTP/1.1 200 OK\n\n",
		NULL
	};
	const char *const ra30[] = {
		"HTTP/1.1 429 Too Many Requests\nRetry-After: 30\n\n",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256];
	int64_t t0;
	long ms;

	standin_start(ra1);
	req = req_for("/ra", u, sizeof(u));
	t0 = va_mono_us();
	va_http_do(h, &req, &r);
	ms = (long)((va_mono_us() - t0) / 1000);
	is_int(r.outcome, VA_HTTP_OK, "Retry-After 1: ok");
	is_int(r.tries, 2, "Retry-After 1: two tries");
	ok(ms >= 990, "Retry-After 1: waited %ld ms >= 1000", ms);
	ok(r.elapsed_ms >= 990 && r.elapsed_ms <= ms + 1,
	    "Retry-After 1: elapsed_ms %ld counts the sleep", r.elapsed_ms);
	va_http_resp_free(&r);
	standin_stop();

	standin_start(ra30);
	req = req_for("/ra", u, sizeof(u));
	req.total_budget_ms = 2000;
	t0 = va_mono_us();
	va_http_do(h, &req, &r);
	ms = (long)((va_mono_us() - t0) / 1000);
	is_int(r.outcome, VA_HTTP_RATE_LIMITED,
	    "Retry-After 30, budget 2 s: rate_limited");
	is_int(r.tries, 1, "Retry-After 30, budget 2 s: one try");
	ok(ms < 1000, "Retry-After 30, budget 2 s: no pointless sleep (%ld ms)",
	    ms);
	va_http_resp_free(&r);
	standin_stop();
}

static void
test_timeouts(struct va_http *h)
{
	const char *const slow[] = {
		"HTTP/1.1 200 OK\nX-Standin-Delay-Ms: 1500\n\nlate",
		NULL
	};
	const char *const slow_then_ok[] = {
		"HTTP/1.1 200 OK\nX-Standin-Delay-Ms: 1500\n\nlate",
		"HTTP/1.1 200 OK\n\nquick",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256];
	int64_t t0;
	long ms;

	standin_start(slow);
	req = req_for("/slow", u, sizeof(u));
	req.timeout_ms = 200;
	req.max_tries = 2;
	t0 = va_mono_us();
	is_int(va_http_do(h, &req, &r), -1, "timeout: returns -1");
	ms = (long)((va_mono_us() - t0) / 1000);
	is_int(r.outcome, VA_HTTP_TIMEOUT, "timeout: timeout");
	is_int(r.tries, 2, "timeout: retried");
	is_int(r.status, 0, "timeout: no status");
	ok(r.error[0] != '\0', "timeout: error says why (%s)", r.error);
	ok(r.body != NULL && r.body_len == 0 && r.body[0] == '\0',
	    "timeout: empty NUL-terminated body");
	ok(ms < 1200, "timeout: per try, not the server's delay (%ld ms)", ms);
	va_http_resp_free(&r);
	standin_stop();

	/* The budget cuts a try short, whatever timeout_ms says. */
	standin_start(slow);
	req = req_for("/slow", u, sizeof(u));
	req.timeout_ms = 5000;
	req.total_budget_ms = 300;
	t0 = va_mono_us();
	va_http_do(h, &req, &r);
	ms = (long)((va_mono_us() - t0) / 1000);
	is_int(r.outcome, VA_HTTP_TIMEOUT, "budget 300 ms: timeout");
	ok(ms < 900, "budget 300 ms: bounded (%ld ms)", ms);
	va_http_resp_free(&r);
	standin_stop();

	standin_start(slow_then_ok);
	req = req_for("/slow", u, sizeof(u));
	req.timeout_ms = 200;
	is_int(va_http_do(h, &req, &r), 0, "timeout then 200: returns 0");
	is_int(r.outcome, VA_HTTP_OK, "timeout then 200: ok");
	is_int(r.tries, 2, "timeout then 200: two tries");
	is_str(r.body, "quick", "timeout then 200: body");
	va_http_resp_free(&r);
	standin_stop();
}

static void
test_unreachable(struct va_http *h)
{
	const char *const closing[] = {
		"HTTP/1.1 200 OK\nX-Standin-Close: 1\n\n",
		NULL
	};
	const char *const close_then_ok[] = {
		"HTTP/1.1 200 OK\nX-Standin-Close: 1\n\n",
		"HTTP/1.1 200 OK\n\nback",
		NULL
	};
	struct va_http_req req;
	struct va_http_resp r;
	char u[256];

	memset(&req, 0, sizeof(req));
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x", closed_port());
	req.url = u;
	req.max_tries = 2;
	req.backoff_base_ms = 10;
	is_int(va_http_do(h, &req, &r), -1, "refused: returns -1");
	is_int(r.outcome, VA_HTTP_UNREACHABLE, "refused: unreachable");
	is_int(r.tries, 2, "refused: retried");
	ok(r.error[0] != '\0', "refused: error says why (%s)", r.error);
	va_http_resp_free(&r);

	standin_start(closing);
	req = req_for("/close", u, sizeof(u));
	req.max_tries = 1;
	is_int(va_http_do(h, &req, &r), -1, "closed without answer: -1");
	is_int(r.outcome, VA_HTTP_UNREACHABLE,
	    "closed without answer: unreachable");
	va_http_resp_free(&r);
	standin_stop();

	standin_start(close_then_ok);
	req = req_for("/close", u, sizeof(u));
	is_int(va_http_do(h, &req, &r), 0, "closed then 200: returns 0");
	is_int(r.tries, 2, "closed then 200: retried");
	is_str(r.body, "back", "closed then 200: body");
	va_http_resp_free(&r);
	standin_stop();
}

static void
test_sent(struct va_http *h)
{
	const char *const replies[] = { "HTTP/1.1 201 Created\n\n", NULL };
	const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"X-Custom: yes",
		NULL
	};
	const char *const big_hdrs[] = { "X-Big: 1", NULL };
	struct va_http_req req;
	struct va_http_resp r;
	char u[256], *log, *big;
	size_t bigsz = 1100 * 1024;

	standin_start(replies);
	req = req_for("/post?q=1", u, sizeof(u));
	req.body = "a=1&b=two";
	req.body_len = strlen(req.body);
	req.headers = hdrs;
	is_int(va_http_do(h, &req, &r), 0, "POST: returns 0");
	is_int(r.outcome, VA_HTTP_OK, "POST: 201 is ok");
	va_http_resp_free(&r);

	req = req_for("/put", u, sizeof(u));
	req.method = "PUT";
	req.body = "x";
	req.body_len = 1;
	va_http_do(h, &req, &r);
	va_http_resp_free(&r);

	req = req_for("/del", u, sizeof(u));
	req.method = "DELETE";
	va_http_do(h, &req, &r);
	va_http_resp_free(&r);

	req = req_for("/auth", u, sizeof(u));
	req.userpwd = "user:secret";
	va_http_do(h, &req, &r);
	va_http_resp_free(&r);

	/* Large enough for libcurl to ask "Expect: 100-continue". */
	if ((big = malloc(bigsz)) == NULL)
		bail("out of memory");
	memset(big, 'z', bigsz);
	req = req_for("/big", u, sizeof(u));
	req.body = big;
	req.body_len = bigsz;
	req.headers = big_hdrs;
	is_int(va_http_do(h, &req, &r), 0, "big POST: returns 0");
	is_int(r.status, 201, "big POST: final status");
	ok(va_http_header(&r, "Content-Length") != NULL && r.nhdrs == 1,
	    "big POST: only the final header block (%zu headers)", r.nhdrs);
	va_http_resp_free(&r);
	free(big);

	log = read_file(logpath);
	ok(strstr(log, "{\"n\":1,\"method\":\"POST\",\"path\":\"/post?q=1\"")
	    != NULL, "POST: method and path as sent");
	ok(strstr(log, "\"x-custom\":\"yes\"") != NULL,
	    "POST: custom header as sent");
	ok(strstr(log, "\"body\":\"a=1&b=two\"}") != NULL,
	    "POST: body as sent");
	ok(strstr(log, "\"method\":\"PUT\",\"path\":\"/put\"") != NULL &&
	    strstr(log, "\"body\":\"x\"}") != NULL, "PUT with a body");
	ok(strstr(log, "\"method\":\"DELETE\",\"path\":\"/del\"") != NULL,
	    "DELETE");
	ok(strstr(log,
	    "\"authorization\":\"Basic dXNlcjpzZWNyZXQ=\"") != NULL,
	    "userpwd becomes Authorization: Basic");
	ok(strstr(log, "\"expect\":\"100-continue\"") != NULL,
	    "big POST went through 100-continue");
	ok(strstr(log, "\"path\":\"/big\"") != NULL &&
	    strstr(log, "\"x-big\":\"1\"") != NULL, "big POST arrived");
	is_int(count_lines(log), 5, "five requests logged");
	free(log);
	standin_stop();
}

/* Retries are logged without the query string or credentials. */
static void
test_retry_log(struct va_http *h)
{
	const char *const replies[] = {
		"HTTP/1.1 502 Bad Gateway\n\n",
		"HTTP/1.1 200 OK\n\n",
		NULL
	};
	const char *const hdrs[] = { "Authorization: Bearer TOKEN123", NULL };
	struct va_http_req req;
	struct va_http_resp r;
	char u[256], errpath[96], *log;
	int saved, fd;

	standin_start(replies);
	req = req_for("/p/a?key=SECRETKEY", u, sizeof(u));
	req.userpwd = "me:PASSWORD";
	req.headers = hdrs;
	path_in(errpath, sizeof(errpath), "stderr");
	if ((fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		bail("open");
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	va_http_do(h, &req, &r);
	dup2(saved, STDERR_FILENO);
	close(saved);
	is_int(r.tries, 2, "502 then 200: two tries");
	va_http_resp_free(&r);

	log = read_file(errpath);
	ok(strstr(log, "\"diag\":\"http_retry\"") != NULL,
	    "retry logged as http_retry");
	ok(strstr(log, "GET http://127.0.0.1:") != NULL &&
	    strstr(log, "/p/a:") != NULL && strstr(log, "502") != NULL,
	    "retry log names method, URL and status");
	ok(strstr(log, "key=") == NULL && strstr(log, "SECRETKEY") == NULL,
	    "retry log leaves out the query string");
	ok(strstr(log, "PASSWORD") == NULL && strstr(log, "TOKEN123") == NULL,
	    "retry log leaves out credentials");
	if (strstr(log, "http_retry") == NULL)
		printf("# stderr was: %s\n", log);
	free(log);
	unlink(errpath);
	standin_stop();
}

static void
test_helpers(void)
{
	char *s;

	is_int(va_http_retry_after_ms("2", 0), 2000, "Retry-After 2");
	is_int(va_http_retry_after_ms("2.0", 0), 2000, "Retry-After 2.0");
	is_int(va_http_retry_after_ms(" 1.5 ", 0), 1500, "Retry-After 1.5");
	is_int(va_http_retry_after_ms("0", 0), 0, "Retry-After 0");
	/* 2015-10-21 07:28:00 UTC is 1445412480 s after the epoch. */
	is_int(va_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
	    1445412480000LL - 5000), 5000, "Retry-After HTTP-date");
	is_int(va_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
	    1445412480000LL + 5000), 0, "Retry-After date in the past: 0");
	is_int(va_http_retry_after_ms("soon", 0), -1, "Retry-After garbage");
	is_int(va_http_retry_after_ms("2s", 0), -1, "Retry-After 2s");
	is_int(va_http_retry_after_ms("", 0), -1, "Retry-After empty");
	is_int(va_http_retry_after_ms(NULL, 0), -1, "Retry-After NULL");

	s = va_http_escape("a b&c=d/\xc3\xa9~-._Z9");
	is_str(s, "a%20b%26c%3Dd%2F%C3%A9~-._Z9", "escape");
	free(s);
	s = va_http_escape("");
	is_str(s, "", "escape empty");
	free(s);

	is_str(va_http_outcome_name(VA_HTTP_OK), "ok", "name ok");
	is_str(va_http_outcome_name(VA_HTTP_NOT_FOUND), "not_found",
	    "name not_found");
	is_str(va_http_outcome_name(VA_HTTP_AUTH), "auth", "name auth");
	is_str(va_http_outcome_name(VA_HTTP_CLIENT), "client", "name client");
	is_str(va_http_outcome_name(VA_HTTP_RATE_LIMITED), "rate_limited",
	    "name rate_limited");
	is_str(va_http_outcome_name(VA_HTTP_SERVER), "server", "name server");
	is_str(va_http_outcome_name(VA_HTTP_TIMEOUT), "timeout",
	    "name timeout");
	is_str(va_http_outcome_name(VA_HTTP_UNREACHABLE), "unreachable",
	    "name unreachable");
	is_str(va_http_outcome_name(VA_HTTP_PROTOCOL), "protocol",
	    "name protocol");
}

int
main(void)
{
	struct va_http *h;

	/* Real clocks for the timing checks, a fixed seed for the jitter. */
	unsetenv("VA_FIXED_CLOCK");
	setenv("VA_SEED", "42", 1);
	va_log_init("t_http");
	va_log_set_mode(VA_LOG_BRIEF);
	va_log_set_level(VA_INFO);
	signal(SIGPIPE, SIG_IGN);

	test_helpers();
	if ((h = va_http_new()) == NULL)
		bail("va_http_new");
	test_ok(h);
	test_client_errors(h);
	test_retries(h);
	test_retry_after(h);
	test_timeouts(h);
	test_unreachable(h);
	test_sent(h);
	test_retry_log(h);
	va_http_free(h);
	return tap_done();
}
