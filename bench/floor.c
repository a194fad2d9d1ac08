/*
 * The floor of bench/compare: the least an HTTP/1.1 server can do on this
 * kernel's loopback TCP. It parses nothing: it counts request heads (the
 * "\r\n\r\n" that ends each one, across reads and pipelined requests) and
 * answers each with the same fixed response held in memory. No file is
 * opened, no log written, no header read, no date formatted.
 *
 *   floor THREADS PORT:SIZE[:close] [PORT:SIZE[:close] ...]
 *
 * Every PORT gets a response of SIZE body bytes ("HTTP/1.1 200 OK",
 * Content-Type and Content-Length, then SIZE bytes of 'x'); with ":close"
 * the response carries "Connection: close" and the connection is closed
 * once it is sent (the accept-heavy shape). Each of the THREADS threads
 * has its own epoll instance and its own SO_REUSEPORT listener on every
 * port, so the kernel spreads connections over the threads and nothing is
 * shared between them, as nginx's workers.
 *
 * Built by bench/compare.py with `cc -O2 -pthread`. Test tool only: it
 * trusts its client (loopback, wrk) and bounds only what a client could
 * make it hold (queued responses per connection).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_PORTS 8
#define MAX_PENDING 4096 /* queued responses per connection before closing it */
#define IOV_BATCH 64

struct port {
    int port;
    int close;
    char *resp;
    size_t len;
};

struct conn {
    int fd;
    const struct port *p; /* NULL for a listener */
    int listener_port;    /* index into ports for a listener */
    unsigned state;       /* bytes of "\r\n\r\n" matched so far */
    unsigned pending;     /* responses owed */
    size_t off;           /* bytes of the first owed response already sent */
};

static struct port ports[MAX_PORTS];
static int nports;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        die("SO_REUSEPORT");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
    if (listen(fd, 4096) < 0)
        die("listen");
    return fd;
}

static void drop(struct conn *c)
{
    close(c->fd);
    free(c);
}

/* Counts the request heads that end in buf[0..n), carrying the partial
 * match of "\r\n\r\n" across calls. */
static unsigned heads(struct conn *c, const char *buf, size_t n)
{
    unsigned found = 0, s = c->state;
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch == '\r')
            s = (s == 2) ? 3 : 1;
        else if (ch == '\n' && (s == 1 || s == 3)) {
            if (s == 3) {
                found++;
                s = 0;
            } else
                s = 2;
        } else
            s = 0;
    }
    c->state = s;
    return found;
}

/* Writes owed responses until done or the socket is full. Returns -1 when
 * the connection is to be dropped. */
static int flush_out(struct conn *c)
{
    const struct port *p = c->p;
    while (c->pending) {
        struct iovec iov[IOV_BATCH];
        int k = 0;
        iov[k].iov_base = p->resp + c->off;
        iov[k++].iov_len = p->len - c->off;
        while (k < IOV_BATCH && (unsigned)k < c->pending) {
            iov[k].iov_base = p->resp;
            iov[k++].iov_len = p->len;
        }
        ssize_t w = writev(c->fd, iov, k);
        if (w < 0) {
            if (errno == EAGAIN)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t left = (size_t)w;
        while (left) {
            size_t rest = p->len - c->off;
            if (left >= rest) {
                left -= rest;
                c->off = 0;
                c->pending--;
                if (p->close)
                    return -1; /* one response, then close */
            } else {
                c->off += left;
                left = 0;
            }
        }
    }
    return 0;
}

static void serve(struct conn *c, uint32_t events)
{
    char buf[65536];
    /* A short read means the socket is drained unless the peer also hung
     * up (then the edge carrying that news has been consumed already). */
    int hup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    while (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r > 0) {
            c->pending += heads(c, buf, (size_t)r);
            if (c->pending > MAX_PENDING) {
                drop(c);
                return;
            }
            if ((size_t)r < sizeof buf && !hup)
                break; /* a short read drained the socket */
            continue;
        }
        if (r == 0) {
            drop(c);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            break;
        drop(c);
        return;
    }
    if (flush_out(c) < 0)
        drop(c);
}

static void *worker(void *arg)
{
    (void)arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    for (int i = 0; i < nports; i++) {
        struct conn *l = calloc(1, sizeof *l);
        l->fd = listen_on(ports[i].port);
        l->listener_port = i;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev) < 0)
            die("epoll_ctl");
    }
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->p) {
                serve(c, evs[i].events);
                continue;
            }
            for (;;) {
                int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    break;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct conn *nc = calloc(1, sizeof *nc);
                if (!nc) {
                    close(fd);
                    continue;
                }
                nc->fd = fd;
                nc->p = &ports[c->listener_port];
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                         .data.ptr = nc};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
                    drop(nc);
                    continue;
                }
                /* The request is usually there already: serve it now. */
                serve(nc, EPOLLIN);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s THREADS PORT:SIZE[:close] ...\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int threads = atoi(argv[1]);
    if (threads < 1 || threads > 256 || argc - 2 > MAX_PORTS) {
        fprintf(stderr, "bad thread or port count\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        struct port *p = &ports[nports++];
        char mode[16] = "";
        long size = 0;
        if (sscanf(argv[i], "%d:%ld:%15s", &p->port, &size, mode) < 2 || size < 0 ||
            size > (64L << 20)) {
            fprintf(stderr, "bad port spec %s\n", argv[i]);
            return 2;
        }
        p->close = strcmp(mode, "close") == 0;
        char head[160];
        int h = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         "Content-Length: %ld\r\n%s\r\n",
                         size, p->close ? "Connection: close\r\n" : "");
        p->len = (size_t)h + (size_t)size;
        p->resp = malloc(p->len);
        if (!p->resp)
            die("malloc");
        memcpy(p->resp, head, (size_t)h);
        memset(p->resp + h, 'x', (size_t)size);
    }
    pthread_t t[256];
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, worker, NULL) != 0)
            die("pthread_create");
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return 0;
}
