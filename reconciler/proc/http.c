/* flowsteerd's HTTP endpoint: see reconciler/proc/http.h. */
#include "reconciler/proc/http.h"

#include <errno.h>
#include <ev.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* /readyz's reason is cut at this many bytes. */
#define REASON_MAX 1024

struct fs_http {
    struct ev_loop *loop;
    struct MHD_Daemon *mhd;
    int listen_fd;
    const struct fs_http_handlers *handlers;
    void *aux;
    ev_io io;
    ev_timer timer;
};

char *fs_http_split_address(const char *address, char **host, int *port)
{
    const char *colon, *h = address;
    size_t hlen;
    if (*address == '[') {
        const char *close = strchr(address, ']');
        if (!close || close[1] != ':') {
            return xasprintf("\"%.64s\" is not [IPV6]:PORT", address);
        }
        h = address + 1;
        hlen = close - h;
        colon = close + 1;
    } else {
        colon = strchr(address, ':');
        if (!colon || strchr(colon + 1, ':')) {
            return xasprintf("\"%.64s\" is not HOST:PORT (IPv6 addresses "
                             "in brackets: [::1]:9464)",
                             address);
        }
        hlen = colon - address;
    }
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (!hlen || errno || end == colon + 1 || *end || p < 1 || p > 65535) {
        return xasprintf("\"%.64s\" needs a host and a port from 1 to 65535",
                         address);
    }
    *host = xmemdup0(h, hlen);
    *port = p;
    return NULL;
}

/* Opens a listening socket on 'address'.  Returns it, or -1 with
 * '*error' set (caller frees). */
static int open_listener(const char *address, char **error)
{
    char *host;
    int port;
    *error = fs_http_split_address(address, &host, &port);
    if (*error) {
        return -1;
    }
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &ai);
    free(host);
    if (gai) {
        *error = xasprintf("%s: %s", address, gai_strerror(gai));
        return -1;
    }
    int fd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (ai->ai_family == AF_INET6) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        }
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
        listen(fd, FS_HTTP_MAX_CONNECTIONS)) {
        *error =
            xasprintf("%s: cannot listen: %s", address, ovs_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Queues a response of 'status' with 'body' (copied). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
                             const char *content_type, const char *body,
                             size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status,
                                  const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

static enum MHD_Result serve_metrics(struct fs_http *h,
                                     struct MHD_Connection *c)
{
    struct ds body = DS_EMPTY_INITIALIZER;
    h->handlers->metrics(h->aux, &body);
    enum MHD_Result ret =
        body.length > FS_HTTP_MAX_BODY
            ? reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "metrics too large\n")
            : reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                    ds_cstr(&body), body.length);
    ds_destroy(&body);
    return ret;
}

static enum MHD_Result serve_readyz(struct fs_http *h, struct MHD_Connection *c)
{
    char *why = h->handlers->not_ready(h->aux);
    if (!why) {
        return reply_text(c, MHD_HTTP_OK, "ok\n");
    }
    char *text = xasprintf("%.*s\n", REASON_MAX, why);
    free(why);
    enum MHD_Result ret = reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, text);
    free(text);
    return ret;
}

static enum MHD_Result handle(void *h_, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct fs_http *h = h_;
    bool known = !strcmp(url, "/metrics") || !strcmp(url, "/healthz") ||
                 !strcmp(url, "/readyz");
    if (!known) {
        return reply_text(c, MHD_HTTP_NOT_FOUND,
                          "not found: /metrics, /healthz, /readyz\n");
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) &&
        strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method not allowed\n");
    }
    if (!strcmp(url, "/metrics")) {
        return serve_metrics(h, c);
    } else if (!strcmp(url, "/readyz")) {
        return serve_readyz(h, c);
    }
    return reply_text(c, MHD_HTTP_OK, "ok\n");
}

/* Lets libmicrohttpd do what is ready, then waits for its next
 * timeout. */
static void run(struct fs_http *h)
{
    MHD_run(h->mhd);
    ev_timer_stop(h->loop, &h->timer);
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
        ev_timer_set(&h->timer, ms / 1000., 0.);
        ev_timer_start(h->loop, &h->timer);
    }
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    run(w->data);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    run(w->data);
}

/* Starts libmicrohttpd on 'h->listen_fd' in its external epoll mode. */
static bool start_mhd(struct fs_http *h, bool ipv6)
{
    h->mhd = MHD_start_daemon(
        MHD_USE_EPOLL | (ipv6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, handle, h,
        MHD_OPTION_LISTEN_SOCKET, h->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)FS_HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)FS_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_END);
    if (!h->mhd) {
        return false;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    ev_io_init(&h->io, io_cb, info->epoll_fd, EV_READ);
    h->io.data = h;
    ev_io_start(h->loop, &h->io);
    ev_timer_init(&h->timer, timer_cb, 0., 0.);
    h->timer.data = h;
    return true;
}

char *fs_http_start(struct ev_loop *loop, const char *address,
                    const struct fs_http_handlers *handlers, void *aux,
                    struct fs_http **http)
{
    *http = NULL;
    char *error;
    int fd = open_listener(address, &error);
    if (fd < 0) {
        char *e = xasprintf("metrics-address %s", error);
        free(error);
        return e;
    }
    struct fs_http *h = xzalloc(sizeof *h);
    *h = (struct fs_http){
        .loop = loop, .listen_fd = fd, .handlers = handlers, .aux = aux};
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    bool ipv6 = !getsockname(fd, (struct sockaddr *)&ss, &len) &&
                ss.ss_family == AF_INET6;
    if (!start_mhd(h, ipv6)) {
        close(fd);
        free(h);
        return xasprintf("metrics-address %s: libmicrohttpd did not start",
                         address);
    }
    *http = h;
    return NULL;
}

void fs_http_stop(struct fs_http *h)
{
    if (!h) {
        return;
    }
    ev_io_stop(h->loop, &h->io);
    ev_timer_stop(h->loop, &h->timer);
    MHD_stop_daemon(h->mhd);
    close(h->listen_fd);
    free(h);
}
