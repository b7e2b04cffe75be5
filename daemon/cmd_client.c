/*
 * The CLI commands that talk to a running daemon: list, ban, unban,
 * status, metrics, check, reload. Each finds the control socket through the same
 * configuration file as the daemon, sends one request (ctl.h), prints the
 * reply, and exits with the code the daemon gave (sysexits), or 69
 * (EX_UNAVAILABLE) when no daemon is running.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "conf.h"
#include "ctl.h"
#include "dur.h"
#include "ledger.h"

struct client_cmd {
	const char *name, *args, *help;
	bool json;       /* takes --json */
	bool duration;   /* takes --for DURATION */
	int nargs;       /* positional arguments */
	const char *flag; /* a --FLAG it takes, sent as the word FLAG */
};

static const struct client_cmd cmds[] = {
    {"list", "[--json] [--origin ORIGIN]", "List the active bans: address or "
	"prefix, time left, times banned, origin, reason.\nWith --origin, only "
	"the bans of that origin: local, manual, kernel, or\ncrowdsec (every "
	"crowdsec:* origin) or crowdsec:cscli...", true, false, 0, NULL},
    {"status", "[--json]", "Show the daemon's files and positions, counters "
	"per pattern, tracked\nrecords, active bans, packets dropped and the "
	"regex engine.", true, false, 0, NULL},
    {"ban", "ADDRESS[/LEN] [--for DURATION] [--force]", "Ban an address or "
	"prefix by hand (the allowlist still applies). DURATION\nis seconds "
	"or numbers with units s, m, h, d, w, largest first (10m, 1h30m,\n"
	"2d12h: what list prints), at most 3650d; default: the escalated ban "
	"time. A prefix\n"
	"wider than the widest configured tier needs --force. Exits 0 only "
	"once the\nkernel holds the ban.", false, true, 1, "force"},
    {"unban", "[--covering] ADDRESS[/LEN]", "Lift a ban. With --covering, "
	"lift every ban that covers ADDRESS (a host\ninside a banned "
	"netblock).", false, false, 1, "covering"},
    {"metrics", "", "Print the daemon's metrics in the Prometheus text format "
	"(the same values\nas status, with labels; docs/METRICS.md lists them).",
	false, false, 0, NULL},
    {"check", "ADDRESS [--json]", "Say whether packets from ADDRESS are "
	"dropped and why: the ban that drops\nit (the host's own or a covering "
	"netblock's: origin, reason, time left),\nwhat the kernel's sets hold "
	"for it (DISAGREE when they differ from the\ndaemon), whether it is "
	"allowlisted or an own address, and its scores\nagainst the "
	"thresholds (host and each netblock tier). Changes nothing.\n"
	"  --json       print one JSON object", true, false, 1, NULL},
    {"reload", "", "Re-read the configuration and the patterns; on any error "
	"the running ones\nstay and the errors are printed.", false, false, 0,
	NULL},
};

static void
usage(FILE *f, const struct client_cmd *c)
{
	fprintf(f, "usage: dominoban [--config FILE] %s %s\n\n%s\n\n"
		   "  -h, --help   show this help\n", c->name, c->args, c->help);
	if (c->flag != NULL && strcmp(c->flag, "force") == 0)
		fprintf(f, "  --force      ban a prefix wider than the widest "
		    "tier\n");
	else if (c->flag != NULL)
		fprintf(f, "  --covering   lift every ban covering the "
		    "address\n");
}

/*
 * The socket path from the configuration (defaults when the default file
 * is missing). A file with errors elsewhere still names the socket: the
 * errors are shown and the daemon is asked anyway, so an admin halfway
 * through an edit can still list, check status, and get the errors of a
 * reload from the daemon itself.
 */
static int
socket_path(const struct cmd_global *g, char *out, size_t size)
{
	struct conf c;
	struct errs e = {.count = 0};
	int err;

	if (conf_load_or_defaults(&c, g->config, g->config_given, 0, &e) ==
	    -1) {
		if ((err = errno) == ENOENT || c.control_socket == NULL) {
			fprintf(stderr, "dominoban: configuration refused:\n%s",
			    e.text);
			conf_free(&c);
			return err == ENOENT ? EX_NOINPUT : EX_CONFIG;
		}
		fprintf(stderr, "dominoban: warning: %s has errors (the "
		    "running daemon keeps its configuration):\n%s", g->config,
		    e.text);
	}
	snprintf(out, size, "%s", c.control_socket);
	conf_free(&c);
	return EX_OK;
}

static int
run_client(const struct client_cmd *cc, const struct cmd_global *g, int argc,
    char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"for", required_argument, NULL, 'F'},
	    {"force", no_argument, NULL, 'f'},
	    {"covering", no_argument, NULL, 'c'},
	    {"origin", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char path[4096], req[CTL_REQUEST_MAX], msg[512], *body;
	const char *origin = NULL;
	bool json = false, flag = false;
	double secs = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (!cc->json)
				goto bad;
			json = true;
			break;
		case 'F':
			if (!cc->duration)
				goto bad;
			if (dur_parse(optarg, 1, LEDGER_MANUAL_MAX,
				&secs) == -1) {
				dur_error(optarg, errno, 1, LEDGER_MANUAL_MAX,
				    msg, sizeof(msg));
				fprintf(stderr, "dominoban %s: --for %s\n",
				    cc->name, msg);
				return EX_USAGE;
			}
			break;
		case 'f':
		case 'c':
			if (cc->flag == NULL ||
			    cc->flag[0] != (c == 'f' ? 'f' : 'c'))
				goto bad;
			flag = true;
			break;
		case 'o':
			/* One word of the request line: printable, no blank. */
			if (strcmp(cc->name, "list") != 0 || *optarg == '\0' ||
			    strlen(optarg) >= 48 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
				"KLMNOPQRSTUVWXYZ0123456789:_-.@/") !=
				strlen(optarg))
				goto bad;
			origin = optarg;
			break;
		case 'h':
			usage(stdout, cc);
			return EX_OK;
		default:
			goto bad;
		}
	}
	if (argc - optind != cc->nargs)
		goto bad;
	/* Arguments travel as one request line: no blanks inside them. */
	if (cc->nargs == 1 && (strlen(argv[optind]) > 64 ||
				  strpbrk(argv[optind], " \t\r\n") != NULL))
		goto bad;
	if ((rc = socket_path(g, path, sizeof(path))) != EX_OK)
		return rc;
	if (cc->nargs == 1 && flag && strcmp(cc->flag, "covering") == 0)
		snprintf(req, sizeof(req), "%s covering %s", cc->name,
		    argv[optind]);
	else if (cc->nargs == 1 && secs > 0)
		snprintf(req, sizeof(req), "%s %s %.0f%s", cc->name,
		    argv[optind], secs, flag ? " force" : "");
	else if (cc->nargs == 1)
		snprintf(req, sizeof(req), "%s %s%s%s", cc->name, argv[optind],
		    flag ? " force" : "", json ? " json" : "");
	else
		snprintf(req, sizeof(req), "%s%s%s%s", cc->name, json ? " json" :
		    "", origin != NULL ? " origin " : "",
		    origin != NULL ? origin : "");
	rc = ctl_call(path, req, &body, msg, sizeof(msg));
	if (rc == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			fprintf(stderr, "dominoban is not running (no daemon at "
			    "%s)\n", path);
			return EX_UNAVAILABLE;
		}
		if (errno == EACCES) {
			fprintf(stderr, "dominoban: %s: permission denied (root "
			    "or the control group may use it)\n", path);
			return EX_NOPERM;
		}
		fprintf(stderr, "dominoban: %s: %s\n", path, strerror(errno));
		return EX_UNAVAILABLE;
	}
	fputs(body, stdout);
	free(body);
	if (rc != 0)
		fprintf(stderr, "dominoban %s: %s\n", cc->name, msg);
	else if (!json && strcmp(cc->name, "status") != 0 &&
	    strcmp(cc->name, "metrics") != 0)
		fprintf(stderr, "%s\n", msg);
	return rc;
bad:
	usage(stderr, cc);
	return EX_USAGE;
}

#define CLIENT(fn, i)                                                          \
	int fn(const struct cmd_global *g, int argc, char **argv)             \
	{                                                                      \
		return run_client(&cmds[i], g, argc, argv);                    \
	}

CLIENT(cmd_list, 0)
CLIENT(cmd_status, 1)
CLIENT(cmd_ban, 2)
CLIENT(cmd_unban, 3)
CLIENT(cmd_metrics, 4)
CLIENT(cmd_check, 5)
CLIENT(cmd_reload, 6)
