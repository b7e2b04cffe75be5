/*
 * The CLI commands that talk to a running daemon: list, ban, unban,
 * status, metrics, check, history, config, reload. Each finds the control socket through the same
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

/* The longest --since of history (seconds): fifty years. */
#define CMD_SINCE_MAX (50.0 * 365 * 86400)

struct client_cmd {
	const char *name, *args, *help;
	bool json;       /* takes --json */
	bool duration;   /* takes --for DURATION */
	int nargs;       /* positional arguments */
	const char *flag; /* a --FLAG it takes, sent as the word FLAG */
	bool optional;   /* the positional argument may be left out */
};

static const struct client_cmd cmds[] = {
    {"list", "[--json] [--origin ORIGIN]", "List the active bans: address or "
	"prefix, time left, times banned, origin, reason.\nWith --origin, only "
	"the bans of that origin: local, manual, kernel, or\ncrowdsec (every "
	"crowdsec:* origin) or crowdsec:cscli...", true, false, 0, NULL, false},
    {"status", "[--json]", "Show the daemon's files and positions, counters "
	"per pattern, tracked\nrecords, active bans, packets dropped and the "
	"regex engine.", true, false, 0, NULL, false},
    {"ban", "ADDRESS[/LEN] [--for DURATION] [--force]", "Ban an address or "
	"prefix by hand (the allowlist still applies). A prefix\nwider than "
	"the widest configured tier needs --force. Exits 0 only once the\n"
	"kernel holds the ban.", false, true, 1, "force", false},
    {"unban", "ADDRESS[/LEN] | --covering ADDRESS | --inside PREFIX | --all",
	"Lift the ban of ADDRESS or of a prefix (exactly that one). When it is "
	"not\nbanned itself, say which wider bans cover it, or which bans lie "
	"inside the\nprefix, and how to lift them; nothing else is lifted. "
	"Every lift reaches\nthe cluster's peers, like any unban.",
	false, false, 1, "covering", true},
    {"metrics", "", "Print the daemon's metrics in the Prometheus text format "
	"(the same values\nas status, with labels; docs/METRICS.md lists them).",
	false, false, 0, NULL, false},
    {"check", "ADDRESS [--json]", "Say whether packets from ADDRESS are "
	"dropped and why: the ban that drops\nit (the host's own or a covering "
	"netblock's: origin, reason, time left),\nwhat the kernel's sets hold "
	"for it (DISAGREE when they differ from the\ndaemon), whether it is "
	"allowlisted or an own address, and its scores\nagainst the "
	"thresholds (host and each netblock tier). Changes nothing.", true,
	false, 1, NULL, false},
    {"history", "[ADDRESS[/LEN]] [--since DURATION] [--json]", "Show the ban "
	"history, oldest first: every ban (when, target, for how\nlong, origin, "
	"reason, offence) and every end of one (expired, or lifted:\nmanual, "
	"crowdsec deleted, peer:NODE, allowlisted; with the time it had\nleft). "
	"With ADDRESS, the records of that address and of the netblocks\n"
	"covering it; with a prefix, those of everything inside it too. Kept "
	"in\nstate_dir/history across restarts, the last [ban] history_records "
	"(10000).", true, false, 1, NULL, true},
    {"config", "[--json]", "Print the configuration the daemon holds now, "
	"every key once with its\nvalue, defaults included, in the "
	"configuration file's syntax (after the\nlast successful reload; "
	"files that hold secrets are shown by path only).", true, false, 0,
	NULL, false},
    {"reload", "", "Re-read the configuration and the patterns; on any error "
	"the running ones\nstay and the errors are printed.", false, false, 0,
	NULL, false},
};

/* The usage line, the text, then every option the usage line shows. */
static void
usage(FILE *f, const struct client_cmd *c)
{
	fprintf(f, "usage: dominoban [--config FILE] %s%s%s\n\n%s\n\n",
	    c->name, *c->args ? " " : "", c->args, c->help);
	if (c->json)
		fprintf(f, "      --json             print one JSON document "
		    "instead of text\n");
	if (strcmp(c->name, "list") == 0)
		fprintf(f, "      --origin ORIGIN    only the bans of that origin: "
		    "local, manual,\n                         kernel, crowdsec "
		    "(every crowdsec:* origin),\n                         "
		    "crowdsec:cscli, peer:NODE...\n");
	if (strcmp(c->name, "history") == 0)
		fprintf(f, "      --since DURATION   only the records of the last "
		    "DURATION (1h, 7d...)\n");
	if (c->duration)
		fprintf(f, "      --for DURATION     how long: seconds, or numbers "
		    "with units s, m, h,\n                         d, w, largest "
		    "first (10m, 1h30m, 2d12h: what\n                         "
		    "list prints), at most 3650d; default: the\n               "
		    "          escalated ban time of the configuration\n");
	if (c->flag != NULL && strcmp(c->flag, "force") == 0)
		fprintf(f, "      --force            ban a prefix wider than the "
		    "widest configured tier\n");
	else if (c->flag != NULL)
		fprintf(f, "      --covering         lift ADDRESS's ban and every "
		    "netblock ban covering it\n      --inside           lift "
		    "every ban inside PREFIX, its own too\n      --all          "
		    "    lift every ban, of every origin; says how many\n");
	fprintf(f, "  -c, --config FILE      the configuration, for the control "
	    "socket's path\n  -h, --help             show this help\n");
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
	    {"inside", no_argument, NULL, 'i'},
	    {"all", no_argument, NULL, 'a'},
	    {"origin", required_argument, NULL, 'o'},
	    {"since", required_argument, NULL, 's'},
	    CMD_OPT_HELP,
	    CMD_OPT_END,
	};
	char path[4096], req[CTL_REQUEST_MAX], msg[512], when[48], *body;
	const char *origin = NULL, *mode = NULL;
	bool json = false, flag = false;
	double secs = 0, since = 0;
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
			if (cc->flag == NULL || cc->flag[0] != 'f')
				goto bad;
			flag = true;
			break;
		case 'c':
		case 'i':
		case 'a':
			/* unban: one way of choosing what to lift. */
			if (cc->flag == NULL || cc->flag[0] != 'c' || mode != NULL)
				goto bad;
			mode = c == 'c' ? "covering" : c == 'i' ? "inside" : "all";
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
		case 's':
			if (strcmp(cc->name, "history") != 0)
				goto bad;
			if (dur_parse(optarg, 1, CMD_SINCE_MAX, &since) == -1) {
				dur_error(optarg, errno, 1, CMD_SINCE_MAX, msg,
				    sizeof(msg));
				fprintf(stderr, "dominoban %s: --since %s\n",
				    cc->name, msg);
				return EX_USAGE;
			}
			break;
		case 'h':
			usage(stdout, cc);
			return EX_OK;
		default:
			goto bad;
		}
	}
	if (argc - optind != cc->nargs &&
	    !(cc->optional && argc - optind == cc->nargs - 1))
		goto bad;
	/* unban takes an address, but --all none. */
	if (strcmp(cc->name, "unban") == 0 && (argc - optind == 0) !=
	    (mode != NULL && strcmp(mode, "all") == 0))
		goto bad;
	/* Arguments travel as one request line: no blanks inside them. */
	if (argc - optind == 1 && (strlen(argv[optind]) > 64 ||
				  strpbrk(argv[optind], " \t\r\n") != NULL))
		goto bad;
	if ((rc = socket_path(g, path, sizeof(path))) != EX_OK)
		return rc;
	if (strcmp(cc->name, "history") == 0) {
		snprintf(when, sizeof(when), " since %.0f", since);
		snprintf(req, sizeof(req), "history%s%s%s%s",
		    optind < argc ? " " : "", optind < argc ? argv[optind] : "",
		    since > 0 ? when : "", json ? " json" : "");
	}
	else if (mode != NULL)
		snprintf(req, sizeof(req), "unban %s%s%s", mode,
		    optind < argc ? " " : "", optind < argc ? argv[optind] : "");
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
CLIENT(cmd_history, 6)
CLIENT(cmd_config, 7)
CLIENT(cmd_reload, 8)
