/*
 * t_conf.c - unit tests for lib/conf.c: precedence of flag, program
 * variable, shared variable and default; integer and boolean checking;
 * secrets from the environment and from files, never from flags; and the
 * --help, --version and --print-config exits (run in forked children).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "jscan.h"
#include "log.h"
#include "tap.h"

static const struct va_opt template[] = {
	{ "silence-ms", 's', VA_OPT_INT, "700", "MS",
	    "silence that ends a turn", 0, 60000, NULL, "" },
	{ "name", 'n', VA_OPT_STR, "anon", "NAME", "a name", 0, 0, NULL, "" },
	{ "loud", 'l', VA_OPT_BOOL, "0", NULL, "be loud", 0, 0, NULL, "" },
	{ "token", 0, VA_OPT_SECRET, NULL, NULL, "the API token", 0, 0,
	    NULL, "" },
	{ "model", 0, VA_OPT_STR, NULL, "PATH", "model file", 0, 0, NULL, "" },
	{ "count", 0, VA_OPT_INT, "3", "N", "how many (any integer)", 0, 0,
	    NULL, "" },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL, "" },
};

/* Every variable the table can read, cleared between cases. */
static const char *const vars[] = { "VA_TEST_SILENCE_MS", "VA_SILENCE_MS",
	"VA_TEST_NAME", "VA_NAME", "VA_TEST_LOUD", "VA_LOUD", "VA_TEST_TOKEN",
	"VA_TOKEN", "VA_TEST_TOKEN_FILE", "VA_TOKEN_FILE", "VA_TEST_MODEL",
	"VA_MODEL", "VA_TEST_COUNT", "VA_COUNT", NULL };

static char dir[] = "/tmp/t_conf.XXXXXX";
static struct va_opt opts[sizeof(template) / sizeof(template[0])];
static struct va_conf conf;
static char child_out[16384], child_err[16384];

static void
clear_env(void)
{
	const char *const *v;

	for (v = vars; *v != NULL; v++)
		unsetenv(*v);
}

/* A fresh configuration over a fresh copy of the table. */
static struct va_conf *
fresh(void)
{
	memcpy(opts, template, sizeof(opts));
	memset(&conf, 0, sizeof(conf));
	conf.prog = "va-test";
	conf.usage = "[options] [FILE...]";
	conf.about = "A program that exists for the tests.";
	conf.opts = opts;
	return &conf;
}

static const struct va_opt *
opt(const char *name)
{
	const struct va_opt *o;

	for (o = opts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* Parse a NULL-terminated argument list (argv[0] added). */
static int
parse_args(char **args)
{
	static char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"va-test";
	for (; *args != NULL && argc < 31; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	return va_conf_parse(fresh(), argc, argv);
}

#define ARGS(...)	((char *[]){ __VA_ARGS__, NULL })
#define PARSE(...)	parse_args(ARGS(__VA_ARGS__))

static char *
path_in(const char *name)
{
	static char buf[2][300];
	static int k;

	k = !k;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void
write_file(const char *path, const char *s)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		printf("# cannot write %s\n", path);
	if (fd != -1)
		close(fd);
}

static size_t
read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

/*
 * Run va_conf_parse() on args in a child; returns its exit status (100 if
 * it returned, -1 if it did not exit) with stdout and stderr in child_out
 * and child_err.
 */
static int
run_child(char **args)
{
	int out[2], errfd, st;
	char *errpath = path_in("stderr");
	pid_t pid;

	if (pipe(out) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(out[0]);
		dup2(out[1], STDOUT_FILENO);
		close(out[1]);
		errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(errfd, STDERR_FILENO);
		close(errfd);
		parse_args(args);
		exit(100);
	}
	close(out[1]);
	read_all(out[0], child_out, sizeof(child_out));
	close(out[0]);
	waitpid(pid, &st, 0);
	if ((errfd = open(errpath, O_RDONLY)) != -1) {
		read_all(errfd, child_err, sizeof(child_err));
		close(errfd);
	} else
		child_err[0] = '\0';
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define CHILD(...)	run_child(ARGS(__VA_ARGS__))

static void
test_defaults(void)
{
	clear_env();
	is_int(PARSE("file"), 1, "first operand index");
	is_int(va_conf_int(&conf, "silence-ms"), 700, "int default");
	is_str(opt("silence-ms")->source, "default", "source default");
	is_str(va_conf_str(&conf, "name"), "anon", "str default");
	is_int(va_conf_bool(&conf, "loud"), 0, "bool default");
	ok(va_conf_str(&conf, "token") == NULL, "secret unset");
	is_str(opt("token")->source, "unset", "secret source unset");
	ok(va_conf_str(&conf, "model") == NULL, "no default: NULL");
	is_str(opt("model")->source, "unset", "no default: unset");
	is_int(va_conf_int(&conf, "model"), 0, "int of NULL is 0");
	is_int(conf.strict, 0, "not strict");
	is_int(conf.verbose, 0, "verbose 0");
	is_str(va_log_prog(), "va-test", "logging initialised with prog");
}

static void
test_precedence(void)
{
	clear_env();
	setenv("VA_SILENCE_MS", "500", 1);
	PARSE("x");
	is_int(va_conf_int(&conf, "silence-ms"), 500, "VA_KEY over default");
	is_str(opt("silence-ms")->source, "env VA_SILENCE_MS",
	    "source names VA_SILENCE_MS");

	setenv("VA_TEST_SILENCE_MS", "600", 1);
	PARSE("x");
	is_int(va_conf_int(&conf, "silence-ms"), 600,
	    "VA_PROG_KEY over VA_KEY");
	is_str(opt("silence-ms")->source, "env VA_TEST_SILENCE_MS",
	    "source names VA_TEST_SILENCE_MS");

	PARSE("--silence-ms", "800", "x");
	is_int(va_conf_int(&conf, "silence-ms"), 800, "flag over both");
	is_str(opt("silence-ms")->source, "flag", "source flag");
	PARSE("-s", "900");
	is_int(va_conf_int(&conf, "silence-ms"), 900, "short flag");
	PARSE("--silence-ms=1000");
	is_int(va_conf_int(&conf, "silence-ms"), 1000, "--key=value");
	PARSE("-s1100");
	is_int(va_conf_int(&conf, "silence-ms"), 1100, "-sVALUE");
	PARSE("-s", "1", "-s", "2");
	is_int(va_conf_int(&conf, "silence-ms"), 2, "last flag wins");

	/* An empty variable counts as unset. */
	setenv("VA_TEST_SILENCE_MS", "", 1);
	PARSE("x");
	is_int(va_conf_int(&conf, "silence-ms"), 500, "empty VA_PROG_KEY");
	unsetenv("VA_SILENCE_MS");
	PARSE("x");
	is_int(va_conf_int(&conf, "silence-ms"), 700, "back to default");

	/* Strings, same order. */
	setenv("VA_NAME", "shared", 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "name"), "shared", "str from VA_NAME");
	setenv("VA_TEST_NAME", "mine", 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "name"), "mine", "str from VA_TEST_NAME");
	PARSE("-n", "flagged");
	is_str(va_conf_str(&conf, "name"), "flagged", "str from flag");
	PARSE("--name", "");
	is_str(va_conf_str(&conf, "name"), "", "empty flag value is a value");
	is_str(opt("name")->source, "flag", "empty flag: source flag");

	/* Keys with '-' map to '_'; other options stay untouched. */
	setenv("VA_TEST_COUNT", "-42", 1);
	PARSE("x");
	is_int(va_conf_int(&conf, "count"), -42, "count from env");
	is_int(va_conf_int(&conf, "silence-ms"), 700, "others unaffected");
	PARSE("--count", "-7");
	is_int(va_conf_int(&conf, "count"), -7, "negative flag value");
	clear_env();
}

static void
test_operands(void)
{
	char *argv[8];
	int i;

	clear_env();
	argv[0] = (char *)(uintptr_t)"va-test";
	argv[1] = (char *)(uintptr_t)"in1";
	argv[2] = (char *)(uintptr_t)"-s";
	argv[3] = (char *)(uintptr_t)"5";
	argv[4] = (char *)(uintptr_t)"in2";
	argv[5] = (char *)(uintptr_t)"--";
	argv[6] = (char *)(uintptr_t)"--loud";
	argv[7] = NULL;
	i = va_conf_parse(fresh(), 7, argv);
	is_int(va_conf_int(&conf, "silence-ms"), 5, "option among operands");
	is_int(i, 4, "three operands after permutation");
	ok(i == 4 && strcmp(argv[4], "in1") == 0 && strcmp(argv[5], "in2") ==
	    0 && strcmp(argv[6], "--loud") == 0, "operands in order, -- ends "
	    "options");
	is_int(va_conf_bool(&conf, "loud"), 0, "--loud after -- is operand");
	is_int(PARSE("-s", "3"), 3, "no operands: index is argc");
}

static void
test_bool_common(void)
{
	clear_env();
	PARSE("--loud");
	is_int(va_conf_bool(&conf, "loud"), 1, "bool flag");
	is_str(opt("loud")->source, "flag", "bool source flag");
	PARSE("-l");
	is_int(va_conf_bool(&conf, "loud"), 1, "bool short flag");
	setenv("VA_LOUD", "1", 1);
	PARSE("x");
	is_int(va_conf_bool(&conf, "loud"), 1, "VA_LOUD=1");
	setenv("VA_TEST_LOUD", "0", 1);
	PARSE("x");
	is_int(va_conf_bool(&conf, "loud"), 0, "VA_TEST_LOUD=0 over VA_LOUD");
	PARSE("--loud");
	is_int(va_conf_bool(&conf, "loud"), 1, "flag over VA_TEST_LOUD=0");
	setenv("VA_TEST_LOUD", "true", 1);
	PARSE("x");
	is_int(va_conf_bool(&conf, "loud"), 1, "true");
	setenv("VA_TEST_LOUD", "false", 1);
	PARSE("x");
	is_int(va_conf_bool(&conf, "loud"), 0, "false");
	clear_env();

	PARSE("--strict");
	is_int(conf.strict, 1, "--strict");
	PARSE("-v", "-v", "-q");
	is_int(conf.verbose, 1, "-v -v -q");
	is_int(va_log_get_level(), VA_DEBUG, "-v: debug level");
	PARSE("--quiet");
	is_int(conf.verbose, -1, "--quiet");
	is_int(va_log_get_level(), VA_ERROR, "-q: error level");
	PARSE("-vq");
	is_int(conf.verbose, 0, "-vq bundled");
	PARSE("--verbose");
	is_int(conf.verbose, 1, "--verbose");
	va_log_set_level(VA_INFO);
}

static void
test_secrets(void)
{
	clear_env();
	setenv("VA_TOKEN", "shared-token", 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "shared-token", "secret VA_TOKEN");
	is_str(opt("token")->source, "env VA_TOKEN", "source env VA_TOKEN");

	write_file(path_in("tok1"), "from-file-1\n");
	setenv("VA_TOKEN_FILE", path_in("tok1"), 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "shared-token",
	    "VA_TOKEN over VA_TOKEN_FILE");
	unsetenv("VA_TOKEN");
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "from-file-1",
	    "VA_TOKEN_FILE, trailing newline removed");
	is_str(opt("token")->source, "file VA_TOKEN_FILE", "source file");
	PARSE("x");	/* again: the previous buffer must not leak */
	is_str(va_conf_str(&conf, "token"), "from-file-1", "read again");

	write_file(path_in("tok2"), "from-file-2\r\n");
	setenv("VA_TEST_TOKEN_FILE", path_in("tok2"), 1);
	setenv("VA_TOKEN", "shared-token", 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "from-file-2",
	    "VA_TEST_TOKEN_FILE over VA_TOKEN, CRLF removed");
	is_str(opt("token")->source, "file VA_TEST_TOKEN_FILE",
	    "source VA_TEST_TOKEN_FILE");
	setenv("VA_TEST_TOKEN", "prog-token", 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "prog-token",
	    "VA_TEST_TOKEN over everything");
	clear_env();

	write_file(path_in("tok3"), "inner\nnewline\n");
	setenv("VA_TOKEN_FILE", path_in("tok3"), 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "inner\nnewline",
	    "only the trailing newline is removed");
	write_file(path_in("tok4"), "");
	setenv("VA_TOKEN_FILE", path_in("tok4"), 1);
	PARSE("x");
	is_str(va_conf_str(&conf, "token"), "", "empty secret file");
	clear_env();

	/* Secrets are never flags. */
	is_int(CHILD("--token", "x"), 64, "--token x: exit 64");
	ok(strstr(child_err, "--token") != NULL, "message names --token");
	is_int(CHILD("--token=x"), 64, "--token=x: exit 64");
	setenv("VA_TOKEN_FILE", path_in("missing"), 1);
	is_int(CHILD("x"), 78, "missing secret file: exit 78");
	ok(strstr(child_err, "secret_file") != NULL, "diag secret_file");
	clear_env();
}

static void
test_bad_values(void)
{
	clear_env();
	is_int(CHILD("--silence-ms", "abc"), 64, "int garbage: 64");
	ok(strstr(child_err, "silence-ms") != NULL, "message names option");
	is_int(CHILD("--silence-ms", "12x"), 64, "int trailing garbage: 64");
	is_int(CHILD("--silence-ms", ""), 64, "int empty flag: 64");
	is_int(CHILD("--silence-ms", "60001"), 64, "above range: 64");
	is_int(CHILD("-s", "-1"), 64, "below range: 64");
	is_int(CHILD("-s", "60000"), 100, "top of range accepted");
	is_int(CHILD("-s", "0"), 100, "bottom of range accepted");
	is_int(CHILD("--count", "99999999999999999999"), 64,
	    "int overflow: 64");
	is_int(CHILD("--count", "1.5"), 64, "real for int: 64");
	setenv("VA_SILENCE_MS", "fast", 1);
	is_int(CHILD("x"), 64, "bad env value: 64");
	ok(strstr(child_err, "VA_SILENCE_MS") != NULL,
	    "message names the variable");
	is_int(CHILD("-s", "5"), 100, "a flag hides a bad env value");
	unsetenv("VA_SILENCE_MS");
	setenv("VA_TEST_LOUD", "yes", 1);
	is_int(CHILD("x"), 64, "bool env 'yes': 64");
	unsetenv("VA_TEST_LOUD");
	is_int(CHILD("--loud=1"), 64, "bool flag takes no argument");
	is_int(CHILD("--nope"), 64, "unknown long option: 64");
	ok(strstr(child_err, "--nope") != NULL, "message names it");
	is_int(CHILD("-x"), 64, "unknown short option: 64");
	is_int(CHILD("--silence-ms"), 64, "missing argument: 64");
	is_int(CHILD("-s"), 64, "missing short argument: 64");
	is_int(CHILD("x"), 100, "good arguments return");
}

static void
test_help_version(void)
{
	static const char *const want[] = { "--silence-ms", "-s",
	    "VA_TEST_SILENCE_MS", "--name", "VA_TEST_NAME", "--loud",
	    "VA_TEST_LOUD", "VA_TEST_TOKEN", "VA_TEST_TOKEN_FILE", "--model",
	    "VA_TEST_MODEL", "--count", "VA_TEST_COUNT", "--strict",
	    "--print-config", "--verbose", "--quiet", "--version", "--help",
	    "usage: va-test [options] [FILE...]",
	    "A program that exists for the tests.", "default 700", NULL };
	const char *const *w;
	char version[64];
	int all = 1;

	clear_env();
	is_int(CHILD("--help"), 0, "--help: exit 0");
	for (w = want; *w != NULL; w++)
		if (strstr(child_out, *w) == NULL) {
			printf("# --help lacks %s\n", *w);
			all = 0;
		}
	ok(all, "--help names every option and its variable");
	ok(strstr(child_out, "--token") == NULL,
	    "--help offers no --token flag");
	is_str(child_err, "", "--help: nothing on stderr");
	is_int(CHILD("-h"), 0, "-h: exit 0");
	ok(strstr(child_out, "--silence-ms") != NULL, "-h prints help");
	is_int(CHILD("-s", "abc", "--help"), 0, "--help before checks");

	snprintf(version, sizeof(version), "va-test %s\n", VA_VERSION);
	is_int(CHILD("--version"), 0, "--version: exit 0");
	is_str(child_out, version, "--version output");
	is_int(CHILD("-V"), 0, "-V: exit 0");
	is_str(child_out, version, "-V output");
}

static void
test_print_config(void)
{
	struct va_jscan js;
	json_t *o, *ops, *v;
	json_error_t err;

	clear_env();
	setenv("VA_TEST_TOKEN", "supersecret", 1);
	setenv("VA_NAME", "b\"o\\b\x01\xc3\xa9", 1);
	is_int(CHILD("--print-config", "--silence-ms", "800"), 0,
	    "--print-config: exit 0");
	memset(&js, 0, sizeof(js));
	ok(child_out[strlen(child_out) - 1] == '\n' &&
	    strchr(child_out, '\n') == child_out + strlen(child_out) - 1,
	    "one line");
	is_int(va_jscan_object(&js, child_out, strlen(child_out)), 0,
	    "valid JSON object (jscan)");
	va_jscan_free(&js);
	o = json_loads(child_out, 0, &err);
	ok(o != NULL, "valid JSON (jansson)");
	ok(strstr(child_out, "supersecret") == NULL, "secret not printed");
	is_str(json_string_value(json_object_get(o, "prog")), "va-test",
	    "prog");
	ops = json_object_get(o, "options");
	is_int(json_object_size(ops), 6, "every option listed");
	v = json_object_get(ops, "token");
	is_str(json_string_value(json_object_get(v, "value")), "********",
	    "secret masked");
	is_str(json_string_value(json_object_get(v, "source")),
	    "env VA_TEST_TOKEN", "secret source named");
	v = json_object_get(ops, "silence-ms");
	ok(json_is_integer(json_object_get(v, "value")) &&
	    json_integer_value(json_object_get(v, "value")) == 800,
	    "int as a JSON integer");
	is_str(json_string_value(json_object_get(v, "source")), "flag",
	    "source flag");
	v = json_object_get(ops, "name");
	is_str(json_string_value(json_object_get(v, "value")),
	    "b\"o\\b\x01\xc3\xa9", "string escaped and decoded back");
	is_str(json_string_value(json_object_get(v, "source")),
	    "env VA_NAME", "source env VA_NAME");
	v = json_object_get(ops, "loud");
	ok(json_is_false(json_object_get(v, "value")), "bool as false");
	is_str(json_string_value(json_object_get(v, "source")), "default",
	    "source default");
	v = json_object_get(ops, "model");
	ok(json_is_null(json_object_get(v, "value")), "unset as null");
	is_str(json_string_value(json_object_get(v, "source")), "unset",
	    "source unset");
	json_decref(o);

	/* A secret from a file is masked too; an unset one is null. */
	clear_env();
	write_file(path_in("tok5"), "filesecret\n");
	setenv("VA_TOKEN_FILE", path_in("tok5"), 1);
	is_int(CHILD("--print-config", "--loud"), 0, "print-config, file");
	o = json_loads(child_out, 0, NULL);
	v = json_object_get(json_object_get(o, "options"), "token");
	is_str(json_string_value(json_object_get(v, "value")), "********",
	    "file secret masked");
	is_str(json_string_value(json_object_get(v, "source")),
	    "file VA_TOKEN_FILE", "file source named");
	ok(strstr(child_out, "filesecret") == NULL, "file secret not shown");
	v = json_object_get(json_object_get(o, "options"), "loud");
	ok(json_is_true(json_object_get(v, "value")), "bool as true");
	json_decref(o);
	clear_env();
	is_int(CHILD("--print-config"), 0, "print-config, no secret");
	o = json_loads(child_out, 0, NULL);
	v = json_object_get(json_object_get(o, "options"), "token");
	ok(v != NULL && json_is_null(json_object_get(v, "value")),
	    "unset secret is null");
	json_decref(o);
	/* Bad values are refused before the configuration is printed. */
	is_int(CHILD("--print-config", "-s", "x"), 64,
	    "print-config with a bad value: 64");
	is_str(child_out, "", "nothing printed");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("VA_LOG", "brief", 1);
	unsetenv("VA_LOG_LEVEL");
	unsetenv("POSIXLY_CORRECT");

	test_defaults();
	test_precedence();
	test_operands();
	test_bool_common();
	test_secrets();
	test_bad_values();
	test_help_version();
	test_print_config();

	unlink(path_in("tok1"));
	unlink(path_in("tok2"));
	unlink(path_in("tok3"));
	unlink(path_in("tok4"));
	unlink(path_in("tok5"));
	unlink(path_in("stderr"));
	rmdir(dir);
	return tap_done();
}
