/*
 * loop: see loop.h. Each registration is a small heap entry whose address
 * is the epoll cookie. Removing an entry inside a callback only marks it
 * dead; dead entries are freed after the batch, so a later event of the
 * same batch never touches freed memory.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_BATCH 64

struct entry {
	int fd;
	bool dead;
	loop_cb cb;
	void *arg;
	struct entry *next;
};

struct loop {
	int ep;
	bool stop;
	struct entry *entries;
	void (*after)(void *);
	void *after_arg;
};

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	struct entry *e, *next;

	if (l == NULL)
		return;
	for (e = l->entries; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	close(l->ep);
	free(l);
}

static struct entry *
find(struct loop *l, int fd)
{
	struct entry *e;

	for (e = l->entries; e != NULL; e = e->next)
		if (e->fd == fd && !e->dead)
			return e;
	return NULL;
}

int
loop_add(struct loop *l, int fd, uint32_t events, loop_cb cb, void *arg)
{
	struct epoll_event ev = {.events = events};
	struct entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->fd = fd;
	e->cb = cb;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		free(e);
		return -1;
	}
	e->next = l->entries;
	l->entries = e;
	return 0;
}

int
loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events};
	struct entry *e = find(l, fd);

	if (e == NULL) {
		errno = ENOENT;
		return -1;
	}
	ev.data.ptr = e;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del(struct loop *l, int fd)
{
	struct entry *e = find(l, fd);

	if (e == NULL)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	e->dead = true;
}

void
loop_set_after(struct loop *l, void (*fn)(void *), void *arg)
{
	l->after = fn;
	l->after_arg = arg;
}

static void
reap(struct loop *l)
{
	struct entry **p = &l->entries, *e;

	while ((e = *p) != NULL) {
		if (e->dead) {
			*p = e->next;
			free(e);
		} else {
			p = &e->next;
		}
	}
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_BATCH];
	struct entry *e;
	int n, i;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->ep, evs, LOOP_BATCH, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < n && !l->stop; i++) {
			e = evs[i].data.ptr;
			if (!e->dead)
				e->cb(e->arg, e->fd, evs[i].events);
		}
		if (l->after != NULL)
			l->after(l->after_arg);
		reap(l);
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

int
loop_timerfd(unsigned ms)
{
	struct itimerspec its;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd == -1)
		return -1;
	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}
