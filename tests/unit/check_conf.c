/* Unit tests for daemon/conf.c: defaults, every key type, errors. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "suite_run.h"

static int
parse(struct conf *c, const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(conf_defaults(c), 0);
	return conf_parse(c, "t.conf", text, strlen(text), e);
}

START_TEST(test_defaults)
{
	struct conf c;

	ck_assert_int_eq(conf_defaults(&c), 0);
	ck_assert(c.half_life == CONF_DEFAULT_HALF_LIFE);
	ck_assert(c.host_threshold == 5.0);
	ck_assert_uint_eq(c.net_min_hosts, 3);
	ck_assert_uint_eq(c.ban_time, 3600);
	ck_assert_uint_eq(c.ban_max, 30 * 86400);
	ck_assert_str_eq(c.table, "dominoban");
	ck_assert_uint_eq(c.nports, 12);
	ck_assert_uint_eq(c.ports[0], 25);
	ck_assert_uint_eq(c.npatterns, 2);
	ck_assert_int_eq(c.action, CONF_ACTION_DROP);
	ck_assert(!c.dry_run);
	ck_assert(c.allow_own);
	ck_assert_uint_eq(c.nlogs, 0);
	conf_free(&c);
}
END_TEST

START_TEST(test_every_type)
{
	static const char text[] =
	    "# comment\n"
	    "; also a comment\n"
	    "[daemon]\n"
	    "logs = /a/notes.log   /b/console.log # inline comment\n"
	    "patterns = /p1 /p2 /p3\n"
	    "control_socket = /tmp/x.sock\n"
	    "dry_run = yes\n"
	    "date_order = mdy\n"
	    "[score]\n"
	    "half_life = 15m\n"
	    "host_threshold = 7.5\n"
	    "net4_prefix = 0\n"
	    "wide6_prefix = 48\n"
	    "max_records = 4096\n"
	    "[ban]\n"
	    "ban_time = 2h\n"
	    "ban_max = 2w\n"
	    "[nft]\n"
	    "table = my_table\n"
	    "ports = 25 587\n"
	    "action = reject\n"
	    "priority = -20\n"
	    "kill_sessions = off\n"
	    "[allow]\n"
	    "cidrs = 192.0.2.0/24 2001:db8::/32 198.51.100.7\n";
	struct conf c;
	struct errs e;

	ck_assert_msg(parse(&c, text, &e) == 0, "%s", e.text);
	ck_assert_uint_eq(c.nlogs, 2);
	ck_assert_str_eq(c.logs[1], "/b/console.log");
	ck_assert_uint_eq(c.npatterns, 3);
	ck_assert_str_eq(c.control_socket, "/tmp/x.sock");
	ck_assert(c.dry_run);
	ck_assert_int_eq(c.date_order, CONF_DATE_MDY);
	ck_assert(c.half_life == 900);
	ck_assert(c.host_threshold == 7.5);
	ck_assert_uint_eq(c.net4_prefix, 0);
	ck_assert_uint_eq(c.wide6_prefix, 48);
	ck_assert_uint_eq(c.max_records, 4096);
	ck_assert_uint_eq(c.ban_time, 7200);
	ck_assert_uint_eq(c.ban_max, 14 * 86400);
	ck_assert_str_eq(c.table, "my_table");
	ck_assert_uint_eq(c.nports, 2);
	ck_assert_uint_eq(c.ports[1], 587);
	ck_assert_int_eq(c.action, CONF_ACTION_REJECT);
	ck_assert_int_eq(c.priority, -20);
	ck_assert(!c.kill_sessions);
	ck_assert_uint_eq(c.nallow, 3);
	ck_assert_uint_eq(c.allow[0].len, 24);
	ck_assert_uint_eq(c.allow[2].len, 32);
	conf_free(&c);
}
END_TEST

START_TEST(test_errors_collected)
{
	static const char text[] =
	    "[daemon]\n"                       /* 1 */
	    "dry_run = maybe\n"                /* 2 */
	    "frobnicate = 1\n"                 /* 3 */
	    "[score]\n"                        /* 4 */
	    "half_life = 10 minutes\n"         /* 5 */
	    "net4_prefix = 33\n"               /* 6 */
	    "net_min_hosts = 2.5\n"            /* 7 */
	    "[nft]\n"                          /* 8 */
	    "table = bad-name\n"               /* 9 */
	    "ports = 25 70000\n"               /* 10 */
	    "action = explode\n"               /* 11 */
	    "[allow]\n"                        /* 12 */
	    "cidrs = 192.0.2.1/24 nonsense\n"  /* 13 */
	    "[nosuch]\n"                       /* 14 */
	    "key = value\n"                    /* 15 */
	    "garbage line\n";                  /* 16 */
	static const char *want[] = {"t.conf:2: dry_run", "t.conf:3: unknown "
	    "key 'frobnicate'", "t.conf:5: half_life", "t.conf:6: net4_prefix",
	    "t.conf:7: net_min_hosts", "t.conf:9: table", "t.conf:10: ports",
	    "t.conf:11: action", "t.conf:13: cidrs", "t.conf:14: unknown "
	    "section [nosuch]", "t.conf:16: expected 'key = value'"};
	struct conf c;
	struct errs e;
	size_t i;

	ck_assert_int_eq(parse(&c, text, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(e.text, want[i]) != NULL, "missing '%s' "
		    "in:\n%s", want[i], e.text);
	ck_assert_uint_eq(e.count, 11);
	conf_free(&c);
}
END_TEST

START_TEST(test_odd_input)
{
	struct conf c;
	struct errs e;

	/* CRLF line endings. */
	ck_assert_int_eq(parse(&c, "[ban]\r\nban_time = 5m\r\n", &e), 0);
	ck_assert_uint_eq(c.ban_time, 300);
	conf_free(&c);
	/* Empty text: all defaults. */
	ck_assert_int_eq(parse(&c, "", &e), 0);
	conf_free(&c);
	/* A key before any section, an unterminated header, a NUL byte. */
	ck_assert_int_eq(parse(&c, "x = 1\n[daemon\n", &e), -1);
	ck_assert_uint_eq(e.count, 2);
	conf_free(&c);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(conf_defaults(&c), 0);
	ck_assert_int_eq(conf_parse(&c, "t", "[daemon]\0x", 10, &e), -1);
	conf_free(&c);
	/* ban_max below ban_time is refused. */
	ck_assert_int_eq(parse(&c, "[ban]\nban_time = 2d\nban_max = 1d\n", &e),
	    -1);
	conf_free(&c);
}
END_TEST

/* Numbers are decimal: strtod() would also read hex, inf, nan, exponents
 * and leading blanks. Each refusal names the key, the value and the range. */
START_TEST(test_decimal_only)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
	    {"[score]\nnet_min_hosts = 0x10\n", "t.conf:2: net_min_hosts: "
		"'0x10' is not a decimal whole number (1 to 64)"},
	    {"[score]\nhost_threshold = 0x10\n", "t.conf:2: host_threshold: "
		"'0x10' is not a decimal number (0.1 to 1000000)"},
	    {"[score]\nhost_threshold = five\n", "t.conf:2: host_threshold: "
		"'five' is not a decimal number (0.1 to 1000000)"},
	    {"[score]\nhost_threshold = 2000000\n", "t.conf:2: host_threshold: "
		"'2000000' is out of range (0.1 to 1000000)"},
	    {"[allow]\ncidrs = 203.0.113.7/24\n", "t.conf:2: cidrs: "
		"'203.0.113.7/24' has host bits set (did you mean "
		"203.0.113.0/24?)"},
	    {"[allow]\ncidrs = 2001:db8::1/32\n", "'2001:db8::1/32' has host "
		"bits set (did you mean 2001:db8::/32?)"},
	    {"[allow]\ncidrs = 192.0.2.300\n", "t.conf:2: cidrs: "
		"'192.0.2.300' is not an address or a CIDR block (192.0.2.7, "
		"192.0.2.0/24, 2001:db8::/32)"},
	    {"[nft]\naction = explode\n", "t.conf:2: action: 'explode': "
		"expected drop or reject"},
	    {"[nft]\nkill_sessions = maybe\n", "'maybe': expected yes or no"},
	    {"[nft]\ntable = a-b\n", "t.conf:2: table: 'a-b': expected a "
		"table name of 1 to 31 letters, digits or _"},
	    {"[daemon]\ndate_order = ymd\n", "'ymd': expected dmy"},
	    {"[scor]\nhost_threshold = 5\n", "t.conf:1: unknown section "
		"[scor] (did you mean [score]?); the sections are: daemon, "
		"score, ban, nft, metrics, report, allow, crowdsec, cluster"},
	    {"[allowlist]\ncidrs = 192.0.2.1\n", "unknown section [allowlist] "
		"(did you mean [allow]?)"},
	    {"[ban]\nban_tim = 1h\n", "t.conf:2: unknown key 'ban_tim' in "
		"[ban] (did you mean ban_time?)"},
	    {"[ban]\nhost_threshold = 5\n", "t.conf:2: 'host_threshold' is a "
		"key of [score], not of [ban]"},
	    {"[ban]\nxyzzy = 5\n", "unknown key 'xyzzy' in [ban]; its keys "
		"are: ban_time, ban_factor, ban_max, history_forget, "
		"history_max"},
	    {"[score]\nhost_threshold = inf\n", "'inf' is not a decimal"},
	    {"[score]\nhost_threshold = nan\n", "'nan' is not a decimal"},
	    {"[score]\nhost_threshold = 1e3\n", "'1e3' is not a decimal"},
	    {"[score]\nhost_threshold = .5\n", "'.5' is not a decimal"},
	    {"[score]\nhost_threshold = 5.\n", "'5.' is not a decimal"},
	    {"[score]\nhost_threshold = +5\n", "'+5' is not a decimal"},
	    {"[score]\nmax_records = 0x1000\n", "t.conf:2: max_records: "
		"'0x1000' is not a decimal whole number (1024 to 67108864)"},
	    {"[score]\nnet4_prefix = 0x10\n", "'0x10' is not a decimal whole"},
	    {"[score]\nnet4_prefix = -0\n", "'-0' is not a decimal whole"},
	    {"[nft]\npriority = 0x10\n", "t.conf:2: priority: '0x10' is not "
		"a decimal whole number (-400 to 400)"},
	    {"[score]\nhalf_life = 0x10m\n", "t.conf:2: half_life: '0x10m' "
		"is not a duration: seconds, or numbers with units s, m, h, d, "
		"w, largest first (90, 1.5h, 1h30m, 2d12h), from 1s to 30d"},
	    {"[score]\nhalf_life = 31d\n", "t.conf:2: half_life: '31d' is "
		"out of range: from 1s to 30d"},
	    {"[ban]\nban_time = 1h30m\nban_max = 1d12h\nban_time = 30m1h\n",
		"t.conf:4: ban_time: '30m1h' is not a duration"},
	    {"[ban]\nban_time = infs\n", "'infs' is not a duration"},
	    {"[ban]\nban_time = 1e3\n", "'1e3' is not a duration"},
	    {"[nft]\nports = 25 0x1bb\n", "t.conf:2: ports: '0x1bb' is not a "
		"port: decimal whole numbers from 1 to 65535"},
	};
	struct conf c;
	struct errs e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse(&c, cases[i].line, &e) == -1, "accepted: "
		    "%s", cases[i].line);
		ck_assert_msg(strstr(e.text, cases[i].want) != NULL, "want "
		    "'%s' in:\n%s", cases[i].want, e.text);
		conf_free(&c);
	}
	/* What stays valid: decimals, a negative priority, durations. */
	ck_assert_msg(parse(&c, "[score]\nhost_threshold = 2.50\n"
			  "net_min_hosts = 010\nhalf_life = 1.5h\n[nft]\n"
			  "priority = -5\n", &e) == 0, "%s", e.text);
	ck_assert(c.host_threshold == 2.5);
	ck_assert_uint_eq(c.net_min_hosts, 10);
	ck_assert(c.half_life == 5400);
	ck_assert_int_eq(c.priority, -5);
	conf_free(&c);
}
END_TEST

/* The wide tier must be wider than the net tier; 0 turns either off. */
START_TEST(test_wide_wider)
{
	struct conf c;
	struct errs e;

	ck_assert_int_eq(parse(&c, "[score]\nwide4_prefix = 24\n", &e), -1);
	ck_assert_msg(strstr(e.text, "t.conf: wide4_prefix (/24) is not wider "
				     "than net4_prefix (/24)") != NULL, "%s", e.text);
	conf_free(&c);
	ck_assert_int_eq(parse(&c, "[score]\nwide6_prefix = 96\n", &e), -1);
	ck_assert_msg(strstr(e.text, "wide6_prefix (/96) is not wider than "
				     "net6_prefix (/64)") != NULL, "%s", e.text);
	conf_free(&c);
	ck_assert_msg(parse(&c, "[score]\nwide4_prefix = 16\nwide6_prefix = "
			  "48\n", &e) == 0, "%s", e.text);
	conf_free(&c);
	ck_assert_msg(parse(&c, "[score]\nnet4_prefix = 0\nwide4_prefix = "
			  "28\nnet6_prefix = 56\nwide6_prefix = 0\n", &e) == 0,
	    "%s", e.text);
	conf_free(&c);
}
END_TEST

START_TEST(test_allow_all)
{
	struct conf c;
	struct errs e;
	char buf[64];

	ck_assert_int_eq(parse(&c, "[allow]\ncidrs = 192.0.2.0/24\n", &e), 0);
	ck_assert_uint_eq(conf_allow_all(&c, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	conf_free(&c);
	ck_assert_int_eq(parse(&c, "[allow]\ncidrs = 10.0.0.0/8 0.0.0.0/0 "
				   "::/0\n", &e), 0);
	ck_assert_uint_eq(conf_allow_all(&c, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "0.0.0.0/0 ::/0");
	ck_assert_uint_eq(conf_allow_all(&c, NULL, 0), 2);
	conf_free(&c);
}
END_TEST

/* The file read: a FIFO is refused at once (no writer would have hung
 * open(2)); a missing default file means defaults, a named one does not;
 * StrictModes only when asked. */
START_TEST(test_load_file)
{
	char dir[] = "/tmp/check_conf.XXXXXX", path[64];
	struct conf c;
	struct errs e = {.count = 0};
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(conf_load(&c, path, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(e.text, "fifo.conf: is a FIFO, not a regular "
				     "file") != NULL, "%s", e.text);
	conf_free(&c);
	unlink(path);

	memset(&e, 0, sizeof(e));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	ck_assert_int_eq(conf_load_or_defaults(&c, path, false, CONF_STRICT,
			     &e), 1);
	ck_assert_uint_eq(e.count, 0);
	ck_assert_uint_eq(c.ban_time, CONF_DEFAULT_BAN_TIME);
	conf_free(&c);
	ck_assert_int_eq(conf_load_or_defaults(&c, path, true, 0, &e), -1);
	ck_assert_int_eq(errno, ENOENT);
	conf_free(&c);

	memset(&e, 0, sizeof(e));
	snprintf(path, sizeof(path), "%s/d.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("[ban]\nban_time = 5m\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(conf_load_or_defaults(&c, path, true, 0, &e), 0);
	ck_assert_uint_eq(c.ban_time, 300);
	conf_free(&c);
	ck_assert_int_eq(conf_load_or_defaults(&c, path, false, CONF_STRICT,
			     &e), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_msg(strstr(e.text, "d.conf: mode 0666 is group/world "
				     "writable; refusing (chmod go-w)") != NULL, "%s",
	    e.text);
	conf_free(&c);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* The shipped example documents every option with its default: it must
 * parse, and give the defaults (but for the logs it names). */
START_TEST(test_example_is_defaults)
{
	struct conf c, d;
	struct errs e = {.count = 0};

	ck_assert_msg(conf_load(&c, TEST_SRCDIR "/packaging/dominoban.conf",
			  &e) == 0, "%s", e.text);
	ck_assert_int_eq(conf_defaults(&d), 0);
	ck_assert_uint_eq(c.nlogs, 1);
	ck_assert_str_eq(c.logs[0], "/local/notesdata/notes.log");
	ck_assert_uint_eq(c.npatterns, d.npatterns);
	ck_assert_str_eq(c.patterns[0], "/usr/share/dominoban/patterns");
	ck_assert_str_eq(c.control_socket, "/run/dominoban/control.sock");
	ck_assert_str_eq(c.state_dir, "/var/lib/dominoban");
	ck_assert_str_eq(c.control_group, d.control_group);
	ck_assert_str_eq(c.table, d.table);
	ck_assert(c.dry_run == d.dry_run && c.from_start == d.from_start);
	ck_assert(c.half_life == d.half_life);
	ck_assert(c.host_threshold == d.host_threshold);
	ck_assert(c.net_threshold == d.net_threshold);
	ck_assert(c.net_min_hosts == d.net_min_hosts);
	ck_assert(c.net4_prefix == d.net4_prefix &&
	    c.net6_prefix == d.net6_prefix);
	ck_assert(c.wide_threshold == d.wide_threshold);
	ck_assert(c.wide_min_hosts == d.wide_min_hosts);
	ck_assert(c.wide4_prefix == d.wide4_prefix &&
	    c.wide6_prefix == d.wide6_prefix);
	ck_assert(c.max_records == d.max_records);
	ck_assert(c.dedupe_window == d.dedupe_window);
	ck_assert(c.smtp_session_max == d.smtp_session_max);
	ck_assert(c.ban_time == d.ban_time && c.ban_factor == d.ban_factor);
	ck_assert(c.ban_max == d.ban_max);
	ck_assert(c.history_forget == d.history_forget);
	ck_assert(c.history_max == d.history_max);
	ck_assert_uint_eq(c.nports, d.nports);
	ck_assert_int_eq(memcmp(c.ports, d.ports, c.nports * 2), 0);
	ck_assert(c.action == d.action && c.priority == d.priority);
	ck_assert(c.kill_sessions == d.kill_sessions);
	ck_assert_uint_eq(c.nallow, 0);
	ck_assert(c.allow_own == d.allow_own);
	ck_assert(c.date_order == d.date_order);
	conf_free(&c);
	conf_free(&d);
	/* A missing file says ENOENT, so a caller can fall back. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(conf_load(&c, "/nonexistent/x.conf", &e), -1);
	ck_assert_int_eq(errno, ENOENT);
	conf_free(&c);
}
END_TEST

/* [cluster]: the key names, defaults, and each refusal. */
START_TEST(test_cluster)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"[cluster]\nnode = mx1\n", "needs broker"},
	    {"[cluster]\nbroker = mqtt://mx.example.com\n", "numeric"},
	    {"[cluster]\nbroker = tcp://192.0.2.1\n", "expected mqtt://"},
	    {"[cluster]\nbroker = unix:/s\nnode = mx 1\n", "node name"},
	    {"[cluster]\nbroker = unix:/s\ntopic = a/#\n", "topic prefix"},
	    {"[cluster]\nbroker = unix:/s\nshare = all\n", "bans+evidence"},
	    {"[cluster]\nbroker = unix:/s\nevidence_weight = 1.5\n",
		"evidence_weight: '1.5' is out of range (0 to 1)"},
	    {"[cluster]\nbroker = mqtts://192.0.2.1\ncert_file = /c\n",
		"go together"},
	    {"[cluster]\nbroker = mqtt://192.0.2.1\nca_file = /c\n",
		"need an mqtts://"},
	    {"[cluster]\nbroker = unix:/s\npassword_file = /p\n",
		"needs username"},
	};
	struct conf c;
	struct errs e;
	char path[] = "/tmp/check_conf.XXXXXX", pw[64], text[256];
	size_t i;
	int fd;

	ck_assert_int_eq(parse(&c, "[daemon]\ndry_run = no\n", &e), 0);
	ck_assert(!c.cluster);
	ck_assert_ptr_null(c.cluster_broker);
	ck_assert_str_eq(c.cluster_topic, "dominoban/v1");
	ck_assert(c.cluster_evidence);
	ck_assert(c.cluster_evidence_weight == 1.0);
	conf_free(&c);
	ck_assert_msg(parse(&c, "[cluster]\nbroker = mqtts://[2001:db8::1]:8883\n"
	    "node = mx1\ntopic = acme/dominoban\nshare = bans\n"
	    "evidence_weight = 0.5\nusername = mx1\nca_file = /ca\n"
	    "cert_file = /c\nkey_file = /k\n", &e) == 0, "%s", e.text);
	ck_assert(c.cluster);
	ck_assert_str_eq(c.cluster_broker, "mqtts://[2001:db8::1]:8883");
	ck_assert_str_eq(c.cluster_node, "mx1");
	ck_assert_str_eq(c.cluster_topic, "acme/dominoban");
	ck_assert(!c.cluster_evidence);
	ck_assert(c.cluster_evidence_weight == 0.5);
	conf_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(&c, bad[i].text, &e), -1);
		ck_assert_msg(strstr(e.text, bad[i].want) != NULL, "'%s' for "
		    "%s", e.text, bad[i].text);
		conf_free(&c);
	}
	/* The password file: refused unless only its owner may read it. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	snprintf(pw, sizeof(pw), "%s.pw", path);
	snprintf(text, sizeof(text), "[cluster]\nbroker = unix:/s\nusername = "
	    "u\npassword_file = %s\n", pw);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(conf_load(&c, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.text, "No such file"));
	conf_free(&c);
	fd = open(pw, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0644), 0);
	close(fd);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(conf_load(&c, path, &e), -1);
	ck_assert_msg(strstr(e.text, "mode 0644") != NULL &&
	    strstr(e.text, "chmod 600") != NULL, "%s", e.text);
	conf_free(&c);
	ck_assert_int_eq(chmod(pw, 0600), 0);
	memset(&e, 0, sizeof(e));
	ck_assert_msg(conf_load(&c, path, &e) == 0, "%s", e.text);
	conf_free(&c);
	unlink(pw);
	unlink(path);
}
END_TEST

/* [metrics]: unset by default; a path and a duration; bounds named. */
START_TEST(test_metrics_keys)
{
	struct conf c;
	struct errs e;

	ck_assert_int_eq(parse(&c, "", &e), 0);
	ck_assert_ptr_null(c.metrics_textfile);
	ck_assert(c.metrics_interval == 15);
	conf_free(&c);
	ck_assert_int_eq(parse(&c, "[metrics]\ntextfile = /x/d.prom\n"
	    "interval = 1m\n", &e), 0);
	ck_assert_str_eq(c.metrics_textfile, "/x/d.prom");
	ck_assert(c.metrics_interval == 60);
	conf_free(&c);
	ck_assert_int_eq(parse(&c, "[metrics]\ntextfile =\ninterval = 2h\n",
	    &e), -1);
	ck_assert_msg(strstr(e.text, "t.conf:2: textfile") != NULL, "%s",
	    e.text);
	ck_assert_msg(strstr(e.text, "t.conf:3: interval") != NULL, "%s",
	    e.text);
	conf_free(&c);
}
END_TEST

/* [crowdsec]: off unless present; every key; what each side needs. */
START_TEST(test_crowdsec)
{
	struct conf c;
	struct errs e;

	ck_assert_int_eq(parse(&c, "[nft]\ntable = x\n", &e), 0);
	ck_assert(!c.cs_on);
	ck_assert_str_eq(c.cs_lapi_url, "http://127.0.0.1:8080/");
	ck_assert(c.cs_push && c.cs_pull && c.cs_pull_interval == 1.0);
	ck_assert_uint_eq(c.ncs_scopes, 2);
	conf_free(&c);

	ck_assert_msg(parse(&c, "[crowdsec]\n"
	    "lapi_url = http://127.0.0.1:18080/\n"
	    "push = yes\nmachine_id = mx1\npassword_file = /etc/p\n"
	    "pull = yes\nbouncer_key_file = /etc/k\n"
	    "pull_interval = 0.5\nscopes = ip\n"
	    "origins = cscli lists\nwide_ranges = yes\n", &e) == 0, "%s",
	    e.text);
	ck_assert(c.cs_on && c.cs_wide_ranges);
	ck_assert_str_eq(c.cs_machine_id, "mx1");
	ck_assert_str_eq(c.cs_bouncer_key_file, "/etc/k");
	ck_assert(c.cs_pull_interval == 0.5);
	ck_assert_uint_eq(c.ncs_scopes, 1);
	ck_assert_uint_eq(c.ncs_origins, 2);
	ck_assert_str_eq(c.cs_origins[1], "lists");
	conf_free(&c);

	/* Each side without its credentials, a bad URL, scope and origin:
	 * every problem named at once. */
	ck_assert_int_eq(parse(&c, "[crowdsec]\nlapi_url = ftp://x/\n"
	    "scopes = ip country\norigins = a\"b\npull_interval = 0.1\n",
	    &e), -1);
	ck_assert_ptr_nonnull(strstr(e.text, "lapi_url 'ftp://x/'"));
	ck_assert_ptr_nonnull(strstr(e.text, "push = yes needs machine_id"));
	ck_assert_ptr_nonnull(strstr(e.text, "pull = yes needs "
	    "bouncer_key_file"));
	ck_assert_ptr_nonnull(strstr(e.text, "'country' is not ip or range"));
	ck_assert_ptr_nonnull(strstr(e.text, "origins: 'a\"b'"));
	ck_assert_ptr_nonnull(strstr(e.text, "t.conf:5: pull_interval"));
	conf_free(&c);

	/* One side alone needs only its own credentials. */
	ck_assert_int_eq(parse(&c, "[crowdsec]\npush = no\n"
	    "bouncer_key_file = /k\n", &e), 0);
	conf_free(&c);
}
END_TEST

/* conf_show(c) as a malloc'd string. */
static char *
shown(const struct conf *c, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(conf_show(c, json, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* The effective configuration reads back to itself: the defaults, and a
 * file that sets every section (crowdsec and cluster on), odd numbers and
 * durations that no unit writes exactly. */
START_TEST(test_show_round_trip)
{
	static const char *files[] = {
	    "",
	    "[daemon]\nlogs = /a/notes.log /b/console.log\ndry_run = yes\n"
	    "date_order = mdy\n[score]\nhalf_life = 90061\n"
	    "host_threshold = 2.5\nnet_threshold = 0.1\nwide4_prefix = 16\n"
	    "dedupe_window = 0.25\n[ban]\nban_time = 1h30m\nban_factor = 1.7\n"
	    "history_records = 50\n[nft]\nports = 25 587 465\naction = reject\n"
	    "priority = -10\n[metrics]\ntextfile = /t/db.prom\n"
	    "[allow]\ncidrs = 192.0.2.0/24 2001:db8::/32\nown_addresses = no\n"
	    "[crowdsec]\npassword_file = /etc/p\nmachine_id = mx1\n"
	    "bouncer_key_file = /etc/k\npull_interval = 0.5\norigins = cscli\n"
	    "[cluster]\nbroker = unix:/run/m.sock\nnode = mx1\n"
	    "share = bans\nevidence_weight = 0.333\n"
	    "username = mx1\npassword_file = /etc/mqtt.pw\n",
	};
	struct conf c, back;
	struct errs e;
	char *one, *two, *json;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ck_assert_msg(parse(&c, files[i], &e) == 0, "%s", e.text);
		one = shown(&c, false);
		ck_assert_msg(parse(&back, one, &e) == 0, "%s\n%s", e.text,
		    one);
		two = shown(&back, false);
		ck_assert_str_eq(one, two);
		/* Every key of the table once; the secrets by path only. */
		ck_assert_ptr_nonnull(strstr(one, "\nhistory_records = "));
		ck_assert_ptr_nonnull(strstr(one, "\nhalf_life = "));
		json = shown(&c, true);
		ck_assert_msg(json[0] == '{' && json[strlen(json) - 2] == '}',
		    "%s", json);
		if (i == 1) {
			ck_assert_ptr_nonnull(strstr(one, "\n[crowdsec]\n"));
			ck_assert_ptr_nonnull(strstr(one, "\npassword_file = "
			    "/etc/mqtt.pw\n"));
			ck_assert_ptr_nonnull(strstr(one, "\nhalf_life = "
			    "90061\n"));
			ck_assert_ptr_nonnull(strstr(one, "\nban_time = "
			    "1h30m\n"));
			ck_assert_ptr_nonnull(strstr(one, "\ncidrs = "
			    "192.0.2.0/24 2001:db8::/32\n"));
			ck_assert_ptr_nonnull(strstr(json, "\"ports\":[25,587,"
			    "465]"));
			ck_assert_ptr_nonnull(strstr(json, "\"evidence_weight\":"
			    "0.333"));
		} else {
			ck_assert_ptr_nonnull(strstr(one, "# [crowdsec]: not "
			    "configured"));
			ck_assert_ptr_null(strstr(json, "\"crowdsec\""));
			ck_assert_ptr_nonnull(strstr(one, "# textfile = "
			    "(none)\n"));
		}
		free(one);
		free(two);
		free(json);
		conf_free(&c);
		conf_free(&back);
	}
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_type);
	tcase_add_test(tc, test_metrics_keys);
	tcase_add_test(tc, test_show_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors_collected);
	tcase_add_test(tc, test_odd_input);
	tcase_add_test(tc, test_crowdsec);
	tcase_add_test(tc, test_cluster);
	suite_add_tcase(s, tc);
	tc = tcase_create("trust");
	tcase_add_test(tc, test_decimal_only);
	tcase_add_test(tc, test_wide_wider);
	tcase_add_test(tc, test_allow_all);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("example");
	tcase_add_test(tc, test_example_is_defaults);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(conf_suite());
}
