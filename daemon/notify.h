/*
 * notify: the sd_notify(3) protocol without libsystemd. Under systemd with
 * Type=notify, $NOTIFY_SOCKET names a datagram socket; we send READY=1 once
 * the table is set up and state restored, STOPPING=1 on the way out, STATUS=
 * lines, and WATCHDOG=1 at half the interval systemd asks for.
 */
#ifndef DB_NOTIFY_H
#define DB_NOTIFY_H

#include <stdint.h>

/*
 * Send one notification (e.g. "READY=1"). Returns 1 when sent, 0 when not
 * running under systemd ($NOTIFY_SOCKET unset), -1 with errno on error.
 */
int notify_send(const char *msg);

/*
 * The watchdog interval systemd asked for, in microseconds, or 0 when the
 * watchdog is off or meant for another process ($WATCHDOG_PID).
 */
uint64_t notify_watchdog_usec(void);

#endif
