/*
 * gen-state: write a dominoban state file holding COUNT live bans (hosts
 * 10.x.y.z, one in ten a /24 elsewhere), for the restore benchmark.
 *
 *   gen-state DIR COUNT
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "state.h"

int
main(int argc, char **argv)
{
	struct state s;
	struct addr a;
	long i, n;
	int64_t now = (int64_t)time(NULL);

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: gen-state DIR COUNT\n");
		return 64;
	}
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		if (i % 10 == 9) {
			a.len = 24;
			a.a[0] = 100;
			a.a[1] = (uint8_t)(i / 10 >> 8);
			a.a[2] = (uint8_t)(i / 10);
		} else {
			a.len = 32;
			a.a[0] = 10;
			a.a[1] = (uint8_t)(i >> 16);
			a.a[2] = (uint8_t)(i >> 8);
			a.a[3] = (uint8_t)i;
		}
		if (state_add_ban(&s, &a, now + 3600 + i % 600, 1, "local",
			"smtp-auth=5") == -1 ||
		    state_add_offence(&s, &a, 1, now) == -1) {
			perror("state");
			return 71;
		}
	}
	if (state_save(argv[1], &s) == -1) {
		perror(argv[1]);
		return 73;
	}
	state_clear(&s);
	return 0;
}
