/*
 * crm.h - delivering a ticket to where people work: the local queue or a
 * vendor's CRM, exactly once.
 *
 * va_crm_deliver() hands a ticket to the configured backend and returns its
 * reference (id, number a caller can quote, link). Exactly once rests on
 * the ticket's key:
 *  - local (sqlite table tickets): the key is UNIQUE, insert-or-get;
 *  - zendesk: Idempotency-Key header and external_id set to the key;
 *  - salesforce: OAuth client credentials; the Case is looked up by an
 *    external id field (field, default VA_Key__c) and created with an
 *    upsert PATCH on that field, then its CaseNumber is read;
 *  - hubspot: search by a unique ticket property (field, default va_key),
 *    create when absent, search again on a 409 conflict;
 *  - servicenow: look the incident up by correlation_id, create when absent.
 * Every delivered reference is also kept in table ticket_sent(key, ...), so
 * a ticket delivered once is never sent again from this store.
 *
 * Errors: VA_CRM_RETRY (down, timed out, rate limited, a malformed answer:
 * worth trying again later), VA_CRM_AUTH (credentials rejected),
 * VA_CRM_INVALID (the vendor refused the request itself), VA_CRM_STORE (the
 * local store failed); crm->err says why, without secrets.
 */
#ifndef VA_CRM_H
#define VA_CRM_H

#include <jansson.h>

#include "http.h"
#include "store.h"
#include "ticket.h"

enum va_crm_rc { VA_CRM_OK, VA_CRM_RETRY, VA_CRM_AUTH, VA_CRM_INVALID,
	VA_CRM_STORE };

struct va_crm_ref {
	char	id[128];	/* the vendor's id (sys_id, Case Id, ...) */
	char	number[64];	/* what a person quotes (INC0010001, 00001026) */
	char	url[512];	/* a link for an agent; may be "" */
};

struct va_crm {
	/* Set by the caller. */
	const char *backend;	/* local|zendesk|salesforce|hubspot|servicenow */
	const char *url;	/* vendor base URL, e.g. https://acme.zendesk.com */
	const char *user;	/* zendesk email, servicenow user, salesforce client id */
	const char *token;	/* the secret: api token, password, client secret */
	const char *field;	/* external id field or unique property; NULL: default */
	const char *api_version;	/* salesforce, e.g. "v60.0"; NULL: default */
	struct va_store *store;
	struct va_http *http;
	long	timeout_ms;	/* per try */
	int	tries;
	long	budget_ms;	/* whole exchange */
	/* Kept by the adapters. */
	char	*bearer;	/* salesforce access token */
	char	*instance;	/* salesforce instance_url */
	char	err[256];
};

/* Names of the backends, NULL-terminated. */
extern const char *const va_crm_backends[];
/* 1 when name is a known backend. */
int	va_crm_known(const char *name);

/* Create the tables (ticket_sent, and tickets for local); 0 or -1. */
int	va_crm_init(struct va_crm *);
/* Free what the adapters kept (not the caller's fields). */
void	va_crm_cleanup(struct va_crm *);

/* Deliver t (see above); VA_CRM_OK with *ref filled, or an error code. */
enum va_crm_rc va_crm_deliver(struct va_crm *, const struct va_ticket *,
	    struct va_crm_ref *);
/* Was t's key delivered already? 1 with *ref filled, 0 no, -1 error. */
int	va_crm_sent(struct va_crm *, const char *key, struct va_crm_ref *);
/* "ok", "retry", "auth", "invalid", "store". */
const char *va_crm_rc_name(enum va_crm_rc);

/* For the adapters: one request with the configured timeouts. */
int	va_crm_http(struct va_crm *, const char *method, const char *url,
	    const char *const *headers, const char *body, const char *userpwd,
	    struct va_http_resp *);
/* Classify a response that is not a success; fills crm->err. */
enum va_crm_rc va_crm_fail(struct va_crm *, const struct va_http_resp *,
	    const char *what);
/* The body as JSON, or NULL with crm->err set (a malformed answer). */
json_t	*va_crm_json(struct va_crm *, const struct va_http_resp *,
	    const char *what);
/* Copy a JSON string or integer member into buf; 0, or -1 when absent. */
int	va_crm_copy(char *buf, size_t len, const json_t *obj, const char *key);

/* The adapters. */
enum va_crm_rc va_crm_local_create(struct va_crm *, const struct va_ticket *,
	    struct va_crm_ref *);
enum va_crm_rc va_crm_zendesk_create(struct va_crm *,
	    const struct va_ticket *, struct va_crm_ref *);
enum va_crm_rc va_crm_salesforce_create(struct va_crm *,
	    const struct va_ticket *, struct va_crm_ref *);
enum va_crm_rc va_crm_hubspot_create(struct va_crm *,
	    const struct va_ticket *, struct va_crm_ref *);
enum va_crm_rc va_crm_servicenow_create(struct va_crm *,
	    const struct va_ticket *, struct va_crm_ref *);

/* Local queue, for va-ticket list and show: migrate, print. */
int	va_crm_local_init(struct va_store *);
/* Print one line per ticket (open ones, or all); count or -1. */
long	va_crm_local_list(struct va_store *, int all);
/* Print one ticket in full; 1 printed, 0 no such ticket, -1 error. */
int	va_crm_local_show(struct va_store *, int64_t id);

/*
 * Tell a Slack-compatible incoming webhook (a secret URL) that a call was
 * handed off: subject, ticket number and link, never the transcript.
 * One try, short timeout; 0 or -1 (logged as diag "notify_failed").
 */
int	va_crm_notify(struct va_crm *, const char *webhook,
	    const struct va_ticket *, const struct va_crm_ref *);

#endif
