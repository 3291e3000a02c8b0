/* gate.c - the accept gate: a new connection waits here, costing no
 * thread, until its request head has arrived, and one client address
 * holds at most a bounded number of connections.
 *
 * DESIGN. civetweb 1.15 gives each accepted socket to a worker thread,
 * which then waits for the request head for up to request_timeout_ms: 600
 * idle sockets held all 512 workers for 30 s (issue 12), and more threads
 * only move the line. civetweb cannot do better by configuration: its ACL
 * is a fixed allow/deny list and its throttle bounds bandwidth, so nothing
 * counts connections per address; request_timeout_ms also bounds body
 * reads and writes, so a few seconds would cut slow uploads and streams;
 * and it has no API to be handed a socket. No Debian library fronts it
 * either: an event loop (libevent, libuv) would mean moving the server
 * onto it, a proxy would copy every byte. So the gate sits in accept().
 *
 * civetweb's master thread polls its listening sockets and calls accept()
 * on a readable one; init_thread marks that thread (http__gate_enter), and
 * the accept() below then takes the listening socket over on its first
 * call: it keeps a duplicate and puts an always-readable eventfd under
 * civetweb's descriptor, so civetweb keeps calling accept(). Each call
 * waits (epoll, one tick at most, so civetweb sees mg_stop) for a
 * connection whose head is complete and returns it. Meanwhile the gate
 * accepts new connections, refusing one over its address's bound with a
 * 429, peeks at waiting ones for the blank line that ends the head, and
 * closes with a 408 those past the deadline. A waiting connection costs
 * its socket and ~200 bytes. The count of an address drops when the gate
 * or civetweb (connection_closed) closes one of its connections.
 *
 * TLS. The TLS port (opt.tls_port; a metrics port beside it speaks plain
 * HTTP) is told by its listening socket's port. Through TLS the gate
 * cannot see a head: a connection that begins a
 * handshake goes to civetweb at once, whose request timeout then bounds
 * the handshake and the head. On a TLS port anything else is no TLS
 * client and the gate closes it unanswered (a plain-text reply there is
 * what the port must not give). When a handshake fails, civetweb closes
 * the connection without request info, so without its address: the gate
 * keeps the address of each TLS connection it hands over by descriptor,
 * and the worker claims it as the handshake begins (http__gate_handshake,
 * from an OpenSSL callback) to give it back at the close.
 *
 * While every worker is busy, civetweb's master waits to queue the
 * connection it was given, and the gate waits with it: new connections
 * stay in the kernel's backlog meanwhile, as they did without the gate.
 *
 * Only the master thread touches the lists; the address counts and the
 * TLS records are also used from workers, under the gate's mutex. */
#include "http/internal.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <search.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* civetweb's max_request_size: a longer head gets its 431 from civetweb. */
#define GATE_HEAD_MAX 16384
/* AVP listens on one address (two with TLS); epoll data below this value
 * is a listener. */
#define GATE_LISTENERS 8
#define GATE_TICK 0.2    /* s; how soon civetweb's master sees mg_stop */
#define GATE_TLS_HANDSHAKE 0x16

typedef struct gate_addr { /* a client: an IPv4 address or an IPv6 /64 */
    unsigned char key[16];
    int conns;
} gate_addr_t;

typedef struct gate_tls { /* a TLS connection handed over, not yet claimed */
    int fd;
    unsigned char key[16];
} gate_tls_t;

typedef struct gate_conn {
    int fd, listener;
    double deadline;
    struct sockaddr_storage sa;
    socklen_t salen;
    gate_addr_t *addr;
    struct gate_conn *prev, *next;
} gate_conn_t;

typedef struct gate_list {
    gate_conn_t *head, *tail;
} gate_list_t;

typedef struct gate_listener {
    int civ_fd; /* civetweb's descriptor, now the eventfd */
    int fd;     /* the listening socket */
    int tls;    /* it is the TLS port (opt.tls_port) */
} gate_listener_t;

struct http_gate {
    http_gate_options_t opt;
    int ep, evfd;
    gate_listener_t listeners[GATE_LISTENERS];
    int nlisteners;
    gate_list_t waiting; /* by deadline, which is accept order */
    gate_list_t ready;
    pthread_mutex_t lock; /* guards addrs and tls */
    void *addrs;          /* tsearch tree of gate_addr_t */
    void *tls;            /* tsearch tree of gate_tls_t, by fd */
    char busy[768], late[768];
    size_t busy_len, late_len;
    http_metrics_gauge_t *waiting_gauge, *open_gauge;
    char peek[GATE_HEAD_MAX];
};

static _Thread_local http_gate_t *thread_gate;

/* The address a worker's TLS connection claimed (gate NULL if none). */
static _Thread_local struct {
    http_gate_t *gate;
    unsigned char key[16];
} thread_claim;

/* ---- replies and address counts ---- */

/* A complete reply with the JSON error shape and policy headers of
 * reply.c, written before the connection is civetweb's. */
static size_t canned(char *buf, size_t cap, int status, const char *reason,
                     const char *code, const char *msg, const char *csp)
{
    char body[256];
    int n = snprintf(body, sizeof body,
                     "{\"error\": {\"code\": \"%s\", \"message\": \"%s\"}}",
                     code, msg);
    n = snprintf(buf, cap,
                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                 "Content-Length: %d\r\nCache-Control: no-store\r\n"
                 "Connection: close\r\nX-Content-Type-Options: nosniff\r\n"
                 "X-Frame-Options: DENY\r\nContent-Security-Policy: %s\r\n"
                 "\r\n%s",
                 status, reason, n, csp, body);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static int addr_cmp(const void *a, const void *b)
{
    return memcmp(((const gate_addr_t *)a)->key, ((const gate_addr_t *)b)->key,
                  sizeof(((const gate_addr_t *)a)->key));
}

/* IPv4 as its mapped IPv6 form; other IPv6 addresses by their /64, which
 * one client usually has whole. */
static void addr_key(const unsigned char a6[16], unsigned char key[16])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    memcpy(key, a6, 16);
    if (memcmp(a6, mapped, sizeof mapped))
        memset(key + 8, 0, 8);
}

static void addr_key_of(const struct sockaddr_storage *sa,
                        unsigned char key[16])
{
    unsigned char a6[16] = {[10] = 0xff, [11] = 0xff};
    if (sa->ss_family == AF_INET6)
        memcpy(a6, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    else
        memcpy(a6 + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    addr_key(a6, key);
}

/* The address's record with one more connection, or NULL at the bound. */
static gate_addr_t *addr_acquire(http_gate_t *g, const unsigned char key[16])
{
    gate_addr_t probe, *a;
    memcpy(probe.key, key, sizeof probe.key);
    pthread_mutex_lock(&g->lock);
    gate_addr_t **found = tfind(&probe, &g->addrs, addr_cmp);
    if (found) {
        a = *found;
    } else {
        a = avp_calloc(1, sizeof *a);
        memcpy(a->key, key, sizeof a->key);
        tsearch(a, &g->addrs, addr_cmp);
    }
    a = a->conns < g->opt.per_addr ? a : NULL;
    if (a)
        a->conns++;
    pthread_mutex_unlock(&g->lock);
    return a;
}

static void addr_release(http_gate_t *g, const unsigned char key[16])
{
    gate_addr_t probe;
    memcpy(probe.key, key, sizeof probe.key);
    pthread_mutex_lock(&g->lock);
    gate_addr_t **found = tfind(&probe, &g->addrs, addr_cmp);
    gate_addr_t *a = found ? *found : NULL;
    if (a && --a->conns == 0) {
        tdelete(a, &g->addrs, addr_cmp);
        avp_free(a);
    }
    pthread_mutex_unlock(&g->lock);
}

/* remote_addr is NULL when civetweb closes a connection whose TLS
 * handshake failed; the claim made as it began names the address. */
void http__gate_closed(http_gate_t *g, const char *remote_addr)
{
    unsigned char a6[16] = {[10] = 0xff, [11] = 0xff}, key[16];
    if (thread_claim.gate == g) {
        memcpy(key, thread_claim.key, sizeof key);
        thread_claim.gate = NULL;
    } else if (remote_addr && (inet_pton(AF_INET, remote_addr, a6 + 12) == 1 ||
                               inet_pton(AF_INET6, remote_addr, a6) == 1)) {
        addr_key(a6, key);
    } else {
        return;
    }
    addr_release(g, key);
    http_metrics_gauge_add(g->open_gauge, -1);
}

/* ---- TLS connections handed over ---- */

static int tls_cmp(const void *a, const void *b)
{
    return ((const gate_tls_t *)a)->fd - ((const gate_tls_t *)b)->fd;
}

/* Keeps the address of a TLS connection handed over as fd. A record
 * already there for fd is of a connection civetweb closed before its
 * handshake began (the descriptor is free again), which no close could
 * give back: its count is given back here. */
static void tls_keep(http_gate_t *g, int fd, const unsigned char key[16])
{
    gate_tls_t *t = avp_calloc(1, sizeof *t);
    t->fd = fd;
    memcpy(t->key, key, sizeof t->key);
    pthread_mutex_lock(&g->lock);
    gate_tls_t **found = tsearch(t, &g->tls, tls_cmp), *stale = *found;
    *found = t;
    pthread_mutex_unlock(&g->lock);
    if (stale != t) {
        addr_release(g, stale->key);
        http_metrics_gauge_add(g->open_gauge, -1);
        avp_free(stale);
    }
}

void http__gate_handshake(http_gate_t *g, int fd)
{
    gate_tls_t probe = {.fd = fd}, *t = NULL;
    pthread_mutex_lock(&g->lock);
    gate_tls_t **found = tfind(&probe, &g->tls, tls_cmp);
    if (found) {
        t = *found;
        tdelete(t, &g->tls, tls_cmp);
    }
    pthread_mutex_unlock(&g->lock);
    if (!t) /* a renegotiation: the connection has claimed already */
        return;
    thread_claim.gate = g;
    memcpy(thread_claim.key, t->key, sizeof thread_claim.key);
    avp_free(t);
}

/* ---- the waiting connections ---- */

static void list_push(gate_list_t *l, gate_conn_t *c)
{
    c->next = NULL;
    c->prev = l->tail;
    *(l->tail ? &l->tail->next : &l->head) = c;
    l->tail = c;
}

static void list_remove(gate_list_t *l, gate_conn_t *c)
{
    *(c->prev ? &c->prev->next : &l->head) = c->next;
    *(c->next ? &c->next->prev : &l->tail) = c->prev;
}

/* Closes fd after a reply (none if len is 0). What the client sent is read
 * first: closing over unread data would reset the connection and lose the
 * reply. */
static void reply_close(int fd, const char *reply, size_t len)
{
    char sink[4096];
    for (int i = 0; i < 4 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
        ;
    if (len)
        (void)!send(fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
}

/* Ends a waiting connection (in g->waiting). */
static void drop(http_gate_t *g, gate_conn_t *c, const char *reply, size_t len)
{
    list_remove(&g->waiting, c);
    reply_close(c->fd, reply, len);
    addr_release(g, c->addr->key);
    http_metrics_gauge_add(g->waiting_gauge, -1);
    avp_free(c);
}

static void admit(http_gate_t *g, int l, int fd,
                  const struct sockaddr_storage *sa, socklen_t salen)
{
    unsigned char key[16];
    addr_key_of(sa, key);
    gate_addr_t *a = addr_acquire(g, key);
    if (!a) {
        reply_close(fd, g->busy, g->listeners[l].tls ? 0 : g->busy_len);
        return;
    }
    gate_conn_t *c = avp_calloc(1, sizeof *c);
    *c = (gate_conn_t){.fd = fd, .listener = l, .sa = *sa, .salen = salen,
                       .addr = a,
                       .deadline = avp_now() + g->opt.header_timeout_ms / 1e3};
    list_push(&g->waiting, c);
    http_metrics_gauge_add(g->waiting_gauge, 1);
    /* Edge-triggered: a head in part stays readable, and only new bytes
     * are worth another look. Data already there raises the first edge. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
                             .data.ptr = c};
    if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        drop(g, c, NULL, 0);
}

/* Accepts what the listener has. Out of descriptors, the oldest waiting
 * connection makes room (it is the likeliest to be idle); with none, the
 * rest wait in the backlog until the next connection raises an edge. */
static void drain_listener(http_gate_t *g, int l)
{
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        int fd = accept4(g->listeners[l].fd, (struct sockaddr *)&sa, &salen,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            admit(g, l, fd, &sa, salen);
        else if ((errno == EMFILE || errno == ENFILE) && g->waiting.head)
            drop(g, g->waiting.head, NULL, 0);
        else if (errno != EINTR && errno != ECONNABORTED)
            return;
    }
}

static int head_complete(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\n')
            continue;
        if (p[i + 1] == '\n' ||
            (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n'))
            return 1;
    }
    return 0;
}

/* Moves c to the ready list once its head is complete, or fills the
 * buffer (civetweb answers 431), or, on a TLS port, once it begins a
 * handshake; closes what is no TLS client there (see TLS above). */
static void look_at(http_gate_t *g, gate_conn_t *c)
{
    int tls = g->listeners[c->listener].tls;
    ssize_t n = recv(c->fd, g->peek, sizeof g->peek, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0 || (tls && g->peek[0] != GATE_TLS_HANDSHAKE)) {
        drop(g, c, NULL, 0); /* gone, or no TLS client */
        return;
    }
    if (!tls && (size_t)n < sizeof g->peek &&
        !head_complete(g->peek, (size_t)n))
        return;
    epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
    list_remove(&g->waiting, c);
    list_push(&g->ready, c);
}

static void expire(http_gate_t *g, double now)
{
    gate_conn_t *c;
    while ((c = g->waiting.head) && c->deadline <= now)
        drop(g, c, g->late, g->listeners[c->listener].tls ? 0 : g->late_len);
}

static void wait_events(http_gate_t *g, double until)
{
    double now = avp_now();
    if (g->waiting.head && g->waiting.head->deadline < until)
        until = g->waiting.head->deadline;
    int ms = until > now ? (int)((until - now) * 1e3) + 1 : 0;
    struct epoll_event ev[64];
    int n = epoll_wait(g->ep, ev, (int)AVP_ARRAY_LEN(ev), ms);
    /* Connections first: accepting may drop one whose event is later in
     * this batch. */
    for (int i = 0; i < n; i++)
        if (ev[i].data.u64 >= GATE_LISTENERS)
            look_at(g, ev[i].data.ptr);
    for (int i = 0; i < n; i++)
        if (ev[i].data.u64 < GATE_LISTENERS)
            drain_listener(g, (int)ev[i].data.u64);
    expire(g, avp_now());
}

/* ---- civetweb's side ---- */

/* The local port of a listening socket, or -1. */
static int port_of(int fd)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    if (sa.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&sa)->sin_port);
    if (sa.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    return -1;
}

/* The gate's index of civetweb's listening descriptor, taken over on
 * first sight. */
static int listener_of(http_gate_t *g, int civ_fd)
{
    for (int i = 0; i < g->nlisteners; i++)
        if (g->listeners[i].civ_fd == civ_fd)
            return i;
    int l = g->nlisteners, fd = fcntl(civ_fd, F_DUPFD_CLOEXEC, 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET,
                             .data.u64 = (uint64_t)l};
    if (l == GATE_LISTENERS || fd < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
        epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ||
        dup3(g->evfd, civ_fd, O_CLOEXEC) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    g->listeners[l] = (gate_listener_t){.civ_fd = civ_fd, .fd = fd,
                                        .tls = port_of(fd) == g->opt.tls_port};
    g->nlisteners++;
    return l;
}

static gate_conn_t *ready_pop(http_gate_t *g, int l)
{
    for (gate_conn_t *c = g->ready.head; c; c = c->next)
        if (c->listener == l) {
            list_remove(&g->ready, c);
            return c;
        }
    return NULL;
}

/* The connection as accept() returns it: blocking, with its peer. */
static int hand_over(http_gate_t *g, gate_conn_t *c, struct sockaddr *addr,
                     socklen_t *len)
{
    int fd = c->fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (g->listeners[c->listener].tls)
        tls_keep(g, fd, c->addr->key);
    if (addr && len) {
        memcpy(addr, &c->sa, *len < c->salen ? *len : c->salen);
        *len = c->salen;
    }
    http_metrics_gauge_add(g->waiting_gauge, -1);
    http_metrics_gauge_add(g->open_gauge, 1);
    avp_free(c);
    return fd;
}

static int real_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "accept");
    return real(fd, addr, len);
}

static int gate_accept(http_gate_t *g, int civ_fd, struct sockaddr *addr,
                       socklen_t *len)
{
    int l = listener_of(g, civ_fd);
    if (l < 0) /* out of room or descriptors: this one goes ungated */
        return real_accept(civ_fd, addr, len);
    double tick_end = avp_now() + GATE_TICK;
    for (;;) {
        gate_conn_t *c = ready_pop(g, l);
        if (c)
            return hand_over(g, c, addr, len);
        if (g->ready.head || avp_now() >= tick_end) {
            errno = EAGAIN; /* for another listener, or civetweb's turn */
            return -1;
        }
        wait_events(g, tick_end);
    }
}

/* civetweb calls accept() from its shared library; this definition in the
 * executable comes first (as pthread_attr_setstacksize in server.c). */
int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return thread_gate ? gate_accept(thread_gate, fd, addr, len)
                       : real_accept(fd, addr, len);
}

void http__gate_enter(http_gate_t *g) { thread_gate = g; }

/* ---- life cycle ---- */

static void replies_init(http_gate_t *g)
{
    const char *csp = g->opt.csp;
    g->busy_len = canned(g->busy, sizeof g->busy, 429, "Too Many Requests",
                         "too_many_requests",
                         "too many connections from this address", csp);
    g->late_len = canned(g->late, sizeof g->late, 408, "Request Timeout",
                         "request_timeout",
                         "the request head did not arrive in time", csp);
}

http_gate_t *http__gate_create(const http_gate_options_t *opt,
                               http_metrics_t *metrics, avp_error_t *err)
{
    http_gate_t *g = avp_calloc(1, sizeof *g);
    g->opt = *opt;
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->evfd = eventfd(1, EFD_CLOEXEC); /* never read: always readable */
    if (g->ep < 0 || g->evfd < 0) {
        avp_error_set(err, AVP_EIO, "accept gate: %s", strerror(errno));
        http__gate_destroy(g);
        return NULL;
    }
    pthread_mutex_init(&g->lock, NULL);
    replies_init(g);
    g->waiting_gauge = http_metrics_gauge(
        metrics, "avp_http_connections_waiting",
        "Connections accepted whose request head has not arrived.", NULL);
    g->open_gauge = http_metrics_gauge(
        metrics, "avp_http_connections_open",
        "Connections handed to a worker thread and not yet closed.", NULL);
    return g;
}

/* After mg_stop: what is still waiting or ready, and the listeners. */
void http__gate_close(http_gate_t *g)
{
    while (g->ready.head) {
        gate_conn_t *c = g->ready.head;
        list_remove(&g->ready, c);
        list_push(&g->waiting, c);
    }
    while (g->waiting.head)
        drop(g, g->waiting.head, NULL, 0);
    for (int i = 0; i < g->nlisteners; i++)
        close(g->listeners[i].fd);
    g->nlisteners = 0;
}

void http__gate_destroy(http_gate_t *g)
{
    if (!g)
        return;
    if (g->ep >= 0 && g->evfd >= 0) {
        http__gate_close(g);
        pthread_mutex_destroy(&g->lock);
    }
    tdestroy(g->addrs, avp_free);
    tdestroy(g->tls, avp_free);
    if (g->ep >= 0)
        close(g->ep);
    if (g->evfd >= 0)
        close(g->evfd);
    avp_free(g);
}
