/*
 * loop: a single-threaded epoll loop. Signals and timers join it as file
 * descriptors (signalfd, timerfd) made by the caller; there are no threads.
 * After each batch of ready events an "after" hook runs once: the daemon
 * sends every ban decided in that iteration to the kernel in one batch.
 */
#ifndef DB_LOOP_H
#define DB_LOOP_H

#include <stdint.h>

/* Called when fd is ready; events is the epoll mask. */
typedef void (*loop_cb)(void *arg, int fd, uint32_t events);

struct loop;

/* A new loop, or NULL with errno. */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for events (EPOLLIN, EPOLLOUT...). 0, or -1 with errno. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_cb cb, void *arg);
/* Change the events watched for fd. 0, or -1 with errno. */
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Stop watching fd (safe from inside a callback). */
void loop_del(struct loop *l, int fd);

/* Run fn(arg) once after each batch of ready events. */
void loop_set_after(struct loop *l, void (*fn)(void *), void *arg);

/* Dispatch until loop_stop(). 0, or -1 with errno on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

/* A non-blocking timerfd firing every ms milliseconds (first after ms).
 * Returns the fd, or -1 with errno. */
int loop_timerfd(unsigned ms);

#endif
