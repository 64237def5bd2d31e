/* model/fields.h: reading resource fields with errors that name the key and
 * the JSON path (private to model/). */
#ifndef FS_MODEL_FIELDS_H
#define FS_MODEL_FIELDS_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* Where we are in a document: its etcd key, the JSON path of the resource
 * object ("$" bare, "$.port_pair" in the Neutron envelope), the error list,
 * and whether no error was found yet. */
struct pctx {
    const char *key;
    const char *base;
    struct fs_errors *errs;
    bool ok;
};

/* Records an error at '<base>.<field>' ('field' NULL: at base) and clears
 * c->ok. */
void fs_perr(struct pctx *c, const char *field, const char *fmt, ...)
    OVS_PRINTF_FORMAT(3, 4);

/* Returns 'field' of 'obj' as a new string; 'dflt' (copied, may be NULL)
 * when absent or null.  Errors when 'required' and absent, or not a
 * string. */
char *fs_get_str(struct pctx *, json_t *obj, const char *field, bool required,
                 const char *dflt);

/* Returns 'field' as an integer in [min, max], 'dflt' when absent or null
 * (or on error).  Integers written as strings ("22") are accepted. */
long long fs_get_int(struct pctx *, json_t *obj, const char *field,
                     long long min, long long max, long long dflt);

/* Returns the strings of array 'field' (count in '*n'; caller frees with
 * fs_free_list()); NULL when absent. */
char **fs_get_str_list(struct pctx *, json_t *obj, const char *field,
                       bool required, size_t *n);
void fs_free_list(char **list, size_t n);

/* Records an error at '<field>[i]' for each entry of 'list' that repeats an
 * earlier one. */
void fs_check_unique(struct pctx *, const char *field, char **list, size_t n);

/* Returns object 'field' (borrowed), NULL when absent, null or not an
 * object (the last is an error). */
json_t *fs_get_object(struct pctx *, json_t *obj, const char *field);

/* Fills 'meta' (key, id: the 'id' field or 'key_id', which must agree,
 * name: '' default). */
void fs_parse_meta(struct pctx *, json_t *obj, const char *key_id,
                   int64_t mod_revision, struct fs_meta *meta);
void fs_free_meta(struct fs_meta *);

/* Returns canonical lower-case "aa:bb:cc:dd:ee:ff" (caller frees), or NULL
 * if 's' is not a MAC address. */
char *fs_canonical_mac(const char *s);

/* Returns true if 's' is an IPv4 or IPv6 address. */
bool fs_valid_ip(const char *s);

/* Returns the canonical text form of IPv4 or IPv6 address 's' (inet_ntop:
 * "2001:db8::1"), caller frees; NULL if 's' is not an address. */
char *fs_canonical_ip(const char *s);

/* Parses an OpenFlow controller target (model/controller.c): the FlowVisor
 * plugin's "host[:port]" (a host name, an IPv4 address, an IPv6 address
 * bare or in brackets, in brackets when a port follows; default port 6633,
 * FlowVisor's) or OVS's active targets "tcp:host[:port]" and
 * "ssl:host[:port]" (ovs-vswitchd.conf.db(5): IPv6 in brackets; default
 * port 6653).  On success returns NULL and stores in '*target' (caller
 * frees) the normalized target: "tcp:HOST:PORT" or "ssl:HOST:PORT", HOST an
 * address as inet_ntop() writes it (IPv6 in brackets) or a host name in
 * lower case.  Otherwise returns the reason (caller frees), the value
 * quoted with fs_quote(). */
char *fs_parse_controller(const char *text, char **target);

/* Parses a CIDR ("10.0.0.0/8", or a bare address meaning a host prefix) of
 * 'ethertype' (4 or 6).  On success stores the canonical "network/len" in
 * '*out' (caller frees) and returns NULL, else returns the reason (caller
 * frees). */
char *fs_parse_cidr(const char *text, int ethertype, char **out);

/* Returns true if canonical prefixes 'a' and 'b' (NULL = any) share an
 * address. */
bool fs_prefixes_overlap(const char *a, const char *b);

/* Parses prefix text 'text' (NULL: none) into '*p' as fs_prefixes_overlap()
 * reads it. */
void fs_prefix_parse(const char *text, struct fs_prefix *p);

/* fs_prefixes_overlap('ta', 'tb') for prefixes 'a' and 'b' parsed from
 * them by fs_prefix_parse(), without parsing them again. */
bool fs_parsed_prefixes_overlap(const char *ta, const struct fs_prefix *a,
                                const char *tb, const struct fs_prefix *b);

#endif /* model/fields.h */
