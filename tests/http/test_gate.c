/* test_gate.c - the accept gate of gate.c, through a real server: a head
 * may come in pieces, a late one gets 408 (one that opens like TLS on a
 * plain port too), one address is bounded (429) and gets its share back
 * as its connections close, and idle connections take no worker thread.
 * TLS ports: tests/platform/test_security_session.py. */
#include "check.h"
#include "http/reply.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MS 300
#define PER_ADDR 2

static const char request[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";

/* A started server (NULL if it fails to start). */
static http_server_t *start(void)
{
    avp_error_t err;
    http_server_t *srv = http_server_create(
        &(http_server_options_t){.threads = 2,
                                 .header_timeout_ms = HEAD_MS,
                                 .conns_per_addr = PER_ADDR},
        &err);
    if (srv && http_server_start(srv, &err) < 0) {
        fprintf(stderr, "start: %s\n", err.msg);
        http_server_destroy(srv);
        srv = NULL;
    }
    return srv;
}

/* A connection from the loopback address 127.0.0.<host>, or -1. */
static int dial(http_server_t *srv, int host)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (unsigned)host);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)http_server_port(srv));
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
    }
    close(fd);
    return -1;
}

/* The status of the reply within ms, 0 if none came, -1 if the
 * connection closed without one. */
static int status_within(int fd, int ms)
{
    char buf[256] = {0};
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1)
        return 0;
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    int status;
    return n > 0 && sscanf(buf, "HTTP/1.1 %d", &status) == 1 ? status : -1;
}

/* The status of a request on a new connection, -1 if none came. */
static int get(http_server_t *srv, int host)
{
    int fd = dial(srv, host), status = -1;
    if (fd >= 0 && send(fd, request, strlen(request), 0) > 0)
        status = status_within(fd, 5000);
    if (fd >= 0)
        close(fd);
    return status;
}

/* A connection from 127.0.0.1 that sent the first 10 bytes of its head,
 * or -1. */
static int head_begun(http_server_t *srv)
{
    int fd = dial(srv, 1);
    if (fd >= 0 && send(fd, request, 10, 0) != 10) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* A head may come in pieces within the deadline; one still short of its
 * blank line at the deadline gets a 408. */
static void test_gate_waits_for_the_head_until_its_deadline(void)
{
    http_server_t *srv = start();
    CHECK(srv);
    int pieces = head_begun(srv), late = head_begun(srv);
    CHECK(pieces >= 0 && late >= 0);
    CHECK(status_within(pieces, 100) == 0);
    CHECK(send(pieces, request + 10, strlen(request) - 10, 0) > 0);
    CHECK(status_within(pieces, 5000) == 200);
    CHECK(status_within(late, 5000) == 408);
    close(pieces);
    close(late);
    http_server_destroy(srv);
}

/* On a plain port the byte that begins a TLS handshake is just the start
 * of a head, held to its deadline (it used to pass the gate at once). */
static void test_gate_plain_port_holds_a_tls_opening_to_the_deadline(void)
{
    http_server_t *srv = start();
    CHECK(srv);
    int fd = dial(srv, 1);
    CHECK(fd >= 0 && send(fd, "\x16\x03\x01", 3, 0) == 3);
    CHECK(status_within(fd, 5000) == 408);
    close(fd);
    http_server_destroy(srv);
}

static void test_gate_bounds_one_address(void)
{
    http_server_t *srv = start();
    CHECK(srv);
    int idle[PER_ADDR];
    for (int i = 0; i < PER_ADDR; i++)
        CHECK((idle[i] = dial(srv, 1)) >= 0);
    int over = dial(srv, 1); /* refused at accept, before it sends */
    CHECK(status_within(over, 5000) == 429);
    close(over);
    CHECK(get(srv, 2) == 200); /* another address has its own share */
    close(idle[0]);
    usleep(100 * 1000); /* the gate sees the close */
    CHECK(get(srv, 1) == 200);
    /* Connections the workers closed give their place back too, once the
     * worker has closed it, just after the reply. */
    for (int i = 0; i < 3 * PER_ADDR; i++) {
        usleep(50 * 1000);
        CHECK(get(srv, 1) == 200);
    }
    close(idle[1]);
    http_server_destroy(srv);
}

static void test_gate_idle_connections_take_no_thread(void)
{
    enum { IDLE = 40 };
    http_server_t *srv = start();
    CHECK(srv);
    int idle[IDLE];
    for (int i = 0; i < IDLE; i++)
        CHECK((idle[i] = dial(srv, 2 + i / PER_ADDR)) >= 0);
    CHECK(get(srv, 1) == 200);
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    http_server_destroy(srv);
}

int main(void)
{
    RUN(test_gate_waits_for_the_head_until_its_deadline);
    RUN(test_gate_plain_port_holds_a_tls_opening_to_the_deadline);
    RUN(test_gate_bounds_one_address);
    RUN(test_gate_idle_connections_take_no_thread);
    return CHECK_DONE();
}
