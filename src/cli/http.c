/* http.c - the JSON-over-HTTP client of http.h on libcurl's easy
 * interface: one easy handle per client, so requests reuse the
 * connection. */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_http {
    CURL *curl;
    char *base;
    struct curl_slist *headers;
    char *buf; /* the response body being received */
    size_t len, cap;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    cli_http_t *h = arg;
    size_t add = size * n;
    if (h->len + add + 1 > h->cap) {
        h->cap = (h->len + add + 1) * 2;
        h->buf = avp_realloc(h->buf, h->cap);
    }
    memcpy(h->buf + h->len, data, add);
    h->len += add;
    h->buf[h->len] = 0;
    return add;
}

cli_http_t *cli_http_create(const char *base_url, const char *api_key)
{
    static int global_done;
    if (!global_done++)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    cli_http_t *h = avp_calloc(1, sizeof(*h));
    h->curl = curl_easy_init();
    h->base = avp_strdup(base_url);
    size_t n = strlen(h->base);
    while (n && h->base[n - 1] == '/')
        h->base[--n] = 0;
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (api_key) {
        char auth[512];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", api_key);
        h->headers = curl_slist_append(h->headers, auth);
    }
    return h;
}

void cli_http_destroy(cli_http_t *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    avp_free(h->base);
    avp_free(h->buf);
    avp_free(h);
}

int cli_http_json(cli_http_t *h, const char *method, const char *path,
                  const json_t *body, json_t **out, avp_error_t *err)
{
    char *url = avp_malloc(strlen(h->base) + strlen(path) + 1);
    strcpy(url, h->base);
    strcat(url, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (text)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    h->len = 0;
    *out = NULL;
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && h->len)
        *out = json_loadb(h->buf, h->len, 0, NULL);
    free(text);
    if (rc != CURLE_OK)
        avp_error_set(err, AVP_EUNAVAILABLE, "%s %s: %s", method, url,
                      curl_easy_strerror(rc));
    avp_free(url);
    return rc != CURLE_OK ? AVP_EUNAVAILABLE : (int)status;
}
