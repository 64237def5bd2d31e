/* reconciler/proc/http.h: flowsteerd's HTTP endpoint: GET /metrics (Prometheus
 * text format 0.0.4), /healthz and /readyz, served by libmicrohttpd.
 *
 * libmicrohttpd runs in its external mode on the main thread's libev loop
 * (its epoll descriptor under an ev_io, its timeout under an ev_timer), so
 * the handlers read the daemon's state as it is, without locks or copies:
 * a request is answered between two events of the loop, and /healthz
 * answering at all shows that the loop runs.  Bounded: at most
 * FS_HTTP_MAX_CONNECTIONS connections, each closed after
 * FS_HTTP_TIMEOUT_S of silence, with a small memory pool; bodies of at
 * most FS_HTTP_MAX_BODY bytes.  Only GET and HEAD of the three paths:
 * anything else gets 404 (other paths) or 405 (other methods). */
#ifndef FS_HTTP_H
#define FS_HTTP_H 1

struct ds;
struct ev_loop;
struct fs_http;

#define FS_HTTP_MAX_CONNECTIONS 16
#define FS_HTTP_TIMEOUT_S 10
#define FS_HTTP_MAX_BODY (256 * 1024)

/* What the endpoint asks the daemon; both are called on the loop's
 * thread. */
struct fs_http_handlers {
    /* Appends the /metrics text to 'body'. */
    void (*metrics)(void *aux, struct ds *body);
    /* Returns NULL when ready, else why not (/readyz answers 503 with it;
     * the caller of the endpoint frees it). */
    char *(*not_ready)(void *aux);
};

/* Splits 'address', "HOST:PORT" or "[IPV6]:PORT" (PORT 1..65535, HOST not
 * empty), into '*host' (caller frees) and '*port'.  Returns NULL, or an
 * error message (caller frees; '*host' then untouched). */
char *fs_http_split_address(const char *address, char **host, int *port);

/* Listens on 'address' (as fs_http_split_address() takes it; a host name
 * is resolved, its first address used) and serves it on 'loop' with
 * 'handlers' and 'aux'.  Returns NULL and sets '*http', or an error
 * message (caller frees) such as "metrics-address 127.0.0.1:9464: cannot
 * listen: Address already in use"; '*http' is then NULL. */
char *fs_http_start(struct ev_loop *loop, const char *address,
                    const struct fs_http_handlers *handlers, void *aux,
                    struct fs_http **http);

/* Closes every connection and the listening socket; NULL is a no-op. */
void fs_http_stop(struct fs_http *);

#endif /* reconciler/proc/http.h */
