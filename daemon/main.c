/*
 * main: global options and subcommand dispatch. Everything else lives in
 * the modules of daemon/libdominoban.a and the cmd_*.c files.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "log.h"

struct subcommand {
	const char *name;
	int (*fn)(const struct cmd_global *, int, char **);
	const char *summary;
};

static int version(const struct cmd_global *g, int argc, char **argv);

static const struct subcommand subcommands[] = {
	{"run", cmd_run, "follow the logs and ban attackers (the daemon)"},
	{"list", cmd_list, "list active bans"},
	{"ban", cmd_ban, "ban an address or prefix by hand"},
	{"unban", cmd_unban, "lift a ban"},
	{"status", cmd_status, "show the daemon's state and counters"},
	{"check", cmd_check, "is an address dropped, and why"},
	{"history", cmd_history, "every ban and its end, per address or netblock"},
	{"config", cmd_config, "the configuration in force, defaults included"},
	{"metrics", cmd_metrics, "print the metrics (Prometheus text format)"},
	{"reload", cmd_reload, "re-read configuration and patterns"},
	{"test", cmd_test, "run pattern files over log files"},
	{"replay", cmd_replay, "run detection and policy over old logs (dry run)"},
	{"report", cmd_report, "the morning report: attacks, bans, what needs a look"},
	{"version", version, "print the version"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: dominoban [--config FILE] COMMAND [ARGS...]\n"
	    "       dominoban COMMAND --help\n\n"
	    "Ban daemon for HCL Domino servers: follows Domino's logs, scores\n"
	    "attackers by address and netblock, and bans them in nftables.\n\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	fprintf(f, "\nOptions:\n"
		   "  -c, --config FILE  configuration file (default %s)\n"
		   "  -h, --help         show this help\n"
		   "  -V, --version      print the version\n",
	    CMD_DEFAULT_CONFIG);
}

/* dominoban version (and --version): its arguments are ignored. */
static int
version(const struct cmd_global *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	printf("dominoban %s\n", PACKAGE_VERSION);
	return EX_OK;
}

int
cmd_usage(void (*print)(FILE *), bool help)
{
	print(help ? stdout : stderr);
	return help ? EX_OK : EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    CMD_OPT_HELP,
	    {"version", no_argument, NULL, 'V'},
	    CMD_OPT_END,
	};
	struct cmd_global g = {CMD_DEFAULT_CONFIG, 0};
	size_t i;
	int c, sub;

	log_init("dominoban", LOG_LEVEL_INFO);
	/* '+' stops at the first non-option: the subcommand. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.config = optarg;
			g.config_given = 1;
			break;
		case 'h':
			return cmd_usage(usage, true);
		case 'V':
			return version(&g, argc, argv);
		default:
			return cmd_usage(usage, false);
		}
	}
	if (optind >= argc)
		return cmd_usage(usage, false);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[optind], subcommands[i].name) != 0)
			continue;
		/* The subcommand sees argv from its own name on and parses
		 * its options with a fresh getopt. */
		sub = optind;
		optind = 0;
		return subcommands[i].fn(&g, argc - sub, argv + sub);
	}
	fprintf(stderr, "dominoban: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EX_USAGE;
}
