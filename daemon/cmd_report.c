/*
 * dominoban report: the morning report over a period, from the daemon's
 * hourly rollup (asked over the control socket, a privileged request; when
 * no daemon runs, read from state_dir/rollup) or from a rollup file that
 * `replay --rollup` wrote. Text on a terminal, JSON for scripts, one
 * self-contained HTML page for a browser or a mail; --mail-to sends text
 * and HTML as one multipart mail (report_mail.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "dur.h"
#include "report.h"
#include "rollup.h"

enum format { FMT_TEXT, FMT_HTML, FMT_JSON };

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dominoban [--config FILE] report [--since DURATION] "
	    "[--format text|html|json]\n"
	    "                 [--output FILE] [--rollup FILE] [--mail-to ADDR "
	    "[--smtp URL] [--from ADDR]]\n\n"
	    "What happened over the period: attack lines per hour by kind, "
	    "bans per hour by\ntier, the top attacking hosts and netblocks, "
	    "the recipients probed and user\nnames tried most, what was "
	    "dropped, and what needs a look. The figures come\nfrom the "
	    "daemon's hourly rollup (asked over the control socket, or read "
	    "from\nstate_dir/rollup when it is not running).\n\n"
	    "  -s, --since DURATION  the period: the last DURATION (24h, 7d...; "
	    "default 24h)\n"
	    "  -f, --format FORMAT   text (default), html or json\n"
	    "  -o, --output FILE     write there instead of standard output\n"
	    "  -r, --rollup FILE     a rollup file (replay --rollup) instead "
	    "of the daemon's;\n"
	    "                        the period then ends with its last hour\n"
	    "  -m, --mail-to ADDR    send the report as a mail (text and HTML)\n"
	    "      --smtp URL        the mail server (default smtp://localhost)\n"
	    "      --from ADDR       the sender (default dominoban@HOSTNAME)\n"
	    "  -h, --help            show this help\n");
}

/* The configuration, or the defaults when the default file is missing. */
static int
load_conf(const struct cmd_global *g, struct conf *c)
{
	struct errs e = {.count = 0};

	if (conf_load_or_defaults(c, g->config, g->config_given != 0, 0,
		&e) != -1)
		return EX_OK;
	fprintf(stderr, "dominoban report: configuration refused:\n%s", e.text);
	conf_free(c);
	return errno == ENOENT ? EX_NOINPUT : EX_CONFIG;
}

/* The daemon's rollup into r: over the control socket, else its file. */
static int
daemon_rollup(const struct conf *c, struct rollup *r)
{
	char path[4096], msg[512], err[256], *body;
	int rc;

	rc = ctl_call(c->control_socket, "rollup", &body, msg, sizeof(msg));
	if (rc == 0) {
		rc = rollup_parse(r, body, strlen(body), err, sizeof(err));
		free(body);
		if (rc == -1) {
			fprintf(stderr, "dominoban report: the daemon's rollup "
			    "is malformed: %s\n", err);
			return EX_PROTOCOL;
		}
		return EX_OK;
	}
	if (rc > 0) {
		fprintf(stderr, "dominoban report: %s\n", msg);
		free(body);
		return rc;
	}
	if (errno == EACCES) {
		fprintf(stderr, "dominoban report: %s: permission denied (root "
		    "or the control group may ask for the report)\n",
		    c->control_socket);
		return EX_NOPERM;
	}
	/* No daemon: its last saved rollup. */
	snprintf(path, sizeof(path), "%s/rollup", c->state_dir);
	if (daemon_rollup_read(path, r, err, sizeof(err)) == -1) {
		fprintf(stderr, "dominoban report: no daemon answers at %s, and "
		    "%s: %s\n", c->control_socket, path, err);
		return errno == ENOENT ? EX_NOINPUT : errno == EACCES ?
		    EX_NOPERM : EX_DATAERR;
	}
	return EX_OK;
}

static void
render(const struct report *rep, enum format fmt, FILE *f)
{
	if (fmt == FMT_HTML)
		report_html(rep, f);
	else if (fmt == FMT_JSON)
		report_json(rep, f);
	else
		report_text(rep, f);
}

int
cmd_report(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"rollup", required_argument, NULL, 'r'},
	    {"mail-to", required_argument, NULL, 'm'},
	    {"smtp", required_argument, NULL, 'S'},
	    {"from", required_argument, NULL, 'F'},
	    CMD_OPT_HELP,
	    CMD_OPT_END,
	};
	const char *output = NULL, *file = NULL, *mail_to = NULL;
	const char *smtp = "smtp://localhost", *from = NULL;
	enum format fmt = FMT_TEXT;
	double since = 86400;
	struct report rep;
	struct rollup r;
	struct conf c;
	char err[256];
	int64_t to;
	FILE *out;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "s:f:o:r:m:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':
			if (dur_parse(optarg, 3600,
				ROLLUP_RETENTION_MAX * 3600.0, &since) == -1) {
				dur_error(optarg, errno, 3600,
				    ROLLUP_RETENTION_MAX * 3600.0, err,
				    sizeof(err));
				fprintf(stderr, "dominoban report: --since %s\n",
				    err);
				return EX_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "html") == 0)
				fmt = FMT_HTML;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else {
				fprintf(stderr, "dominoban report: --format "
				    "'%s': text, html or json\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'r':
			file = optarg;
			break;
		case 'm':
			mail_to = optarg;
			break;
		case 'S':
			smtp = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		default: /* --help, or an unknown option */
			return cmd_usage(usage, ch == 'h');
		}
	}
	if (optind != argc)
		return cmd_usage(usage, false);
	rollup_init(&r, ROLLUP_RETENTION_MAX);
	if (file != NULL) {
		if (daemon_rollup_read(file, &r, err, sizeof(err)) == -1) {
			fprintf(stderr, "dominoban report: %s: %s\n", file, err);
			rollup_free(&r);
			return errno == ENOENT ? EX_NOINPUT : EX_DATAERR;
		}
		to = r.n > 0 ? r.h[r.n - 1].start + ROLLUP_HOUR :
		    (int64_t)time(NULL);
	} else {
		if ((rc = load_conf(g, &c)) != EX_OK) {
			rollup_free(&r);
			return rc;
		}
		rc = daemon_rollup(&c, &r);
		conf_free(&c);
		if (rc != EX_OK) {
			rollup_free(&r);
			return rc;
		}
		to = (int64_t)time(NULL);
	}
	if (report_build(&rep, &r, to - (int64_t)since, to) == -1) {
		fprintf(stderr, "dominoban report: %s\n", strerror(errno));
		rollup_free(&r);
		return EX_OSERR;
	}
	rollup_free(&r);
	if (mail_to != NULL) {
#ifdef HAVE_CURL
		rc = report_mail(&rep, mail_to, from, smtp);
#else
		(void)from;
		(void)smtp;
		fprintf(stderr, "dominoban report: --mail-to: this dominoban was "
		    "built without libcurl (configure --with-curl)\n");
		rc = EX_UNAVAILABLE;
#endif
		report_free(&rep);
		return rc;
	}
	out = output != NULL ? fopen(output, "we") : stdout;
	if (out == NULL) {
		fprintf(stderr, "dominoban report: %s: %s\n", output,
		    strerror(errno));
		report_free(&rep);
		return EX_CANTCREAT;
	}
	render(&rep, fmt, out);
	rc = EX_OK;
	if ((output != NULL ? fclose(out) : fflush(out)) != 0) {
		fprintf(stderr, "dominoban report: %s: %s\n",
		    output != NULL ? output : "standard output",
		    strerror(errno));
		rc = EX_IOERR;
	}
	report_free(&rep);
	return rc;
}
