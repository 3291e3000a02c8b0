/* test_session_events.c - POST /api/test-sessions/{id}/events: one
 * event object or {"events": [...]}, each checked strictly (the schema
 * language has no arrays, so the body is read here and every event is
 * checked against event_fields, its box by hand), then inserted all or
 * nothing by one statement that also converts device times with the
 * session's sync (store_test_session_events_insert). */
#include "api/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const http_schema_field_t event_fields[] = {
    {"class", HTTP_SCHEMA_STRING, 1, 1, 128,
     "class name as the device says it", NULL},
    {"confidence", HTTP_SCHEMA_NUMBER, 0, 0, 1, NULL, NULL},
    {"t", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "video seconds", NULL},
    {"device_time", HTTP_SCHEMA_NUMBER, 0, -1e12, 1e12,
     "device epoch seconds (needs a sync)", NULL},
    {0}};

/* box: [x1, y1, x2, y2], finite, corners in order. */
static int box_ok(json_t *box)
{
    if (!json_is_array(box) || json_array_size(box) != 4)
        return 0;
    double v[4];
    for (size_t k = 0; k < 4; k++) {
        json_t *x = json_array_get(box, k);
        if (!json_is_number(x) || !isfinite(v[k] = json_number_value(x)) ||
            fabs(v[k]) > 1e6)
            return 0;
    }
    return v[2] >= v[0] && v[3] >= v[1];
}

/* Checks one event; err names what is wrong. */
static int event_check(json_t *e, avp_error_t *err)
{
    if (!json_is_object(e))
        return avp_error_set(err, AVP_EINVAL, "expected a JSON object");
    json_t *box = json_object_get(e, "box");
    json_t *rest = json_copy(e);
    json_object_del(rest, "box");
    int rc = http_schema_check(event_fields, rest, err);
    json_decref(rest);
    if (rc < 0)
        return rc;
    if (box && !json_is_null(box) && !box_ok(box))
        return avp_error_set(err, AVP_EINVAL, "field 'box' must be [x1, y1, "
                             "x2, y2] with x1 <= x2 and y1 <= y2");
    if (!json_object_get(e, "t") == !json_object_get(e, "device_time"))
        return avp_error_set(err, AVP_EINVAL, "needs exactly one of 't' "
                             "(video seconds) and 'device_time' (epoch)");
    return AVP_OK;
}

/* The events of the body as an array (new reference), or NULL after
 * replying: 400 naming the event, 413 past API_TEST_SESSION_EVENTS_MAX. */
static json_t *events_or_reply(http_req_t *req, json_t *body)
{
    json_t *list = json_object_get(body, "events");
    if (list && (json_object_size(body) != 1 || !json_is_array(list))) {
        http_reply_error(req, 400, "bad_request",
                         "'events' must be an array and "
                         "the only field");
        return NULL;
    }
    list = list ? json_incref(list) : json_pack("[O]", body);
    size_t n = json_array_size(list);
    if (n == 0 || n > API_TEST_SESSION_EVENTS_MAX) {
        http_reply_error(req, n ? 413 : 400,
                         n ? "payload_too_large" : "bad_request",
                         "a request carries 1 to %d events, not %zu",
                         API_TEST_SESSION_EVENTS_MAX, n);
        json_decref(list);
        return NULL;
    }
    avp_error_t err;
    for (size_t i = 0; i < n; i++)
        if (event_check(json_array_get(list, i), &err) < 0) {
            http_reply_error(req, 400, "bad_request", "events[%zu]: %s", i,
                             err.msg);
            json_decref(list);
            return NULL;
        }
    return list;
}

/* The body as JSON, or NULL after replying (413, 415, 400). */
static json_t *body_or_reply(http_req_t *req)
{
    json_t *body;
    if (http_reply_read_json_or_reply(req, API_TEST_SESSION_EVENTS_BODY_MAX,
                                      NULL, &body) < 0)
        return NULL;
    if (!json_is_object(body)) {
        http_reply_error(req, 400, "bad_request", "expected a JSON object");
        json_decref(body);
        return NULL;
    }
    return body;
}

static void insert_reply(api_t *r, http_req_t *req, int64_t id,
                         store_conn_t *c, json_t *events)
{
    char *text = json_dumps(events, JSON_COMPACT);
    int64_t n;
    avp_error_t err;
    int rc = store_test_session_events_insert(c, id, http_req_user(req)->id,
                                              text, &n, &err);
    free(text);
    if (rc == AVP_EBUSY)
        http_reply_error_from(req, 409, "closed", &err);
    else if (rc == AVP_EUNSUPPORTED)
        http_reply_error_from(req, 409, "no_sync", &err);
    else if (rc < 0)
        http_reply_avp_error(req, &err);
    else {
        http_reply_json(req, 201,
                        json_pack("{s:I}", "inserted", (json_int_t)n));
        api__test_session_changed(r, id);
    }
}

void api__test_session_events_post(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    /* The body is read before a connection is taken: a slow or large
     * upload must not hold one of the pool's few. */
    json_t *body = body_or_reply(req), *events = NULL;
    store_conn_t *c = body ? api__conn_or_reply(r, req) : NULL;
    /* Access before the events' checks: a stranger learns nothing. */
    if (c && api__access_or_reply(r, req, c, STORE_OBJ_SESSION, id,
                                  STORE_ROLE_EDITOR, NULL) == AVP_OK &&
        (events = events_or_reply(req, body)))
        insert_reply(r, req, id, c, events);
    store_pool_release(c);
    json_decref(body);
    json_decref(events);
}
