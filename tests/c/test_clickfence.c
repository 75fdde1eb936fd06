/*
 * C tests of include/clickfence.h against libclickfence.a, reading the shared
 * vectors in tests/vectors. Run by scripts/test-c.sh under valgrind.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickfence.h"

static int passed, failed;
static const char *vectors_dir = "tests/vectors";

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (cond) {                                            \
      passed++;                                            \
    } else {                                               \
      failed++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

#define S(str) (const uint8_t *)(str), strlen(str)

static char *read_file(const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", vectors_dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = 0;
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

static cJSON *load(const char *name) {
  char *text = read_file(name, NULL);
  cJSON *json = cJSON_Parse(text);
  free(text);
  if (!json) {
    fprintf(stderr, "cannot parse %s\n", name);
    exit(2);
  }
  return json;
}

static const char *str(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static uint64_t u64(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

static int truthy(const cJSON *obj, const char *key) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static uint8_t *unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex) / 2;
  uint8_t *out = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    unsigned b;
    sscanf(hex + 2 * i, "%2x", &b);
    out[i] = (uint8_t)b;
  }
  *len = n;
  return out;
}

static void last_error(char *buf, size_t len) {
  size_t written = 0;
  if (clickfence_last_error_message((uint8_t *)buf, len, &written) != CLICKFENCE_OK) buf[0] = 0;
}

/* ---- click signing ---- */

static void test_click(void) {
  cJSON *v = load("click.json");
  char buf[1024];
  size_t written;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "sign")) {
    clickfence_click_signer *s = NULL;
    CHECK(clickfence_click_signer_new(S(str(c, "secret")), &s) == CLICKFENCE_OK, "signer_new");
    clickfence_status st = clickfence_click_signer_sign(s, S(str(c, "url")), u64(c, "expires"),
                                                        truthy(c, "millis"), (uint8_t *)buf, sizeof buf, &written);
    CHECK(st == CLICKFENCE_OK && strcmp(buf, str(c, "signed")) == 0 && written == strlen(buf), "sign %s",
          str(c, "name"));
    clickfence_click_signer_free(s);
  }
  clickfence_click_signer *s = NULL;
  clickfence_click_signer_new(S("k"), &s);
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "sign_errors")) {
    clickfence_status st = clickfence_click_signer_sign(s, S(str(c, "url")), 1, false, (uint8_t *)buf, sizeof buf, &written);
    CHECK(strcmp(clickfence_status_name(st), str(c, "code")) == 0, "sign error %s: got %s", str(c, "name"),
          clickfence_status_name(st));
    char msg[512];
    last_error(msg, sizeof msg);
    CHECK(strlen(msg) > 0, "message for %s", str(c, "name"));
  }
  /* Short buffer: the size needed comes back, nothing else changes. */
  char tiny[8];
  {
    clickfence_status st = clickfence_click_signer_sign(s, S("https://a.example/x"), 5, false, (uint8_t *)tiny, sizeof tiny, &written);
    CHECK(st == CLICKFENCE_BUFFER_TOO_SMALL && written > sizeof tiny, "short buffer reports %zu", written);
    char *big = malloc(written + 1);
    CHECK(clickfence_click_signer_sign(s, S("https://a.example/x"), 5, false, (uint8_t *)big, written + 1, &written) == CLICKFENCE_OK,
          "exact buffer");
    free(big);
  }
  clickfence_click_signer_free(s);

  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "verify")) {
    clickfence_click_verifier *ver = NULL;
    uint32_t mode = strcmp(str(c, "mode"), "enabled") == 0       ? CLICKFENCE_MODE_ENABLED
                    : strcmp(str(c, "mode"), "report-only") == 0 ? CLICKFENCE_MODE_REPORT_ONLY
                                                                 : CLICKFENCE_MODE_DISABLED;
    CHECK(clickfence_click_verifier_new(mode, true, &ver) == CLICKFENCE_OK, "verifier_new");
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(c, "keys")) {
      clickfence_click_verifier_add_key(ver, S(str(k, "id")), S(str(k, "secret")), u64(k, "expires_at"), 0);
    }
    const cJSON *app;
    cJSON_ArrayForEach(app, cJSON_GetObjectItem(c, "excluded_apps")) {
      clickfence_click_verifier_set_app_excluded(ver, S(app->valuestring), true);
    }
    clickfence_click_verdict verdict;
    char key_id[256];
    size_t key_len = 0;
    clickfence_status st = clickfence_click_verifier_verify(ver, S(str(c, "url")), u64(c, "now"), &verdict,
                                                            (uint8_t *)key_id, sizeof key_id, &key_len);
    CHECK(st == CLICKFENCE_OK, "verify %s", str(c, "name"));
    CHECK(strcmp(clickfence_click_outcome_name(verdict.outcome), str(c, "outcome")) == 0, "outcome %s: %s",
          str(c, "name"), clickfence_click_outcome_name(verdict.outcome));
    CHECK(verdict.accepted == truthy(c, "accepted"), "accepted %s", str(c, "name"));
    const char *want_key = str(c, "key_id");
    CHECK(strcmp(key_id, want_key ? want_key : "") == 0, "key id %s", str(c, "name"));
    clickfence_click_verifier_free(ver);
  }

  /* Key ring, config and report through the ABI. */
  clickfence_click_verifier *ver = NULL;
  clickfence_click_verifier_new(CLICKFENCE_MODE_ENABLED, true, &ver);
  char id[37], secret[45];
  uint64_t expires = 0;
  CHECK(clickfence_click_verifier_generate_key(ver, 36, 1700000000, (uint8_t *)id, sizeof id, (uint8_t *)secret,
                                               sizeof secret, &expires) == CLICKFENCE_OK &&
            strlen(id) == 36 && strlen(secret) == 44 && expires == 1700000000 + 36 * 3600,
        "generate_key");
  CHECK(clickfence_click_verifier_add_key(ver, S("k2"), S("s2"), 1800000000, 1700000000) == CLICKFENCE_OK, "2nd key");
  CHECK(clickfence_click_verifier_add_key(ver, S("k3"), S("s3"), 1800000000, 1700000000) ==
            CLICKFENCE_TOO_MANY_ACTIVE_KEYS,
        "3rd key refused");
  CHECK(clickfence_click_verifier_revoke_key(ver, S("nope")) == CLICKFENCE_UNKNOWN_KEY, "unknown key");
  CHECK(clickfence_click_verifier_set_mode(ver, 7) == CLICKFENCE_INVALID_MODE, "bad mode number");
  CHECK(clickfence_click_verifier_set_circuit_breaker(ver, S("off")) == CLICKFENCE_INVALID_CIRCUIT_BREAKER_STATUS,
        "bad breaker");
  CHECK(clickfence_click_verifier_set_app_excluded(ver, S("app-id-1"), true) == CLICKFENCE_OK, "exclude");
  CHECK(clickfence_click_verifier_config_json(ver, 1700000000, (uint8_t *)buf, sizeof buf, &written) == CLICKFENCE_OK &&
            strstr(buf, "\"excluded-app-ids\":[\"app-id-1\"]") && strstr(buf, "\"mode\":\"enabled\""),
        "config json: %s", buf);
  clickfence_click_verdict verdict;
  clickfence_click_verifier_verify(ver, S("https://app.example/com.app?pid=x"), 1700000000, &verdict, NULL, 0, NULL);
  CHECK(clickfence_click_verifier_report_csv(ver, S("2023-11-14T22"), S("2023-11-14T22"), 0, (uint8_t *)buf, sizeof buf,
                                             &written) == CLICKFENCE_OK &&
            strstr(buf, "2023-11-14T22,1,0,1,0,0,0,0\n") != NULL,
        "report csv: %s", buf);
  CHECK(clickfence_click_verifier_report_csv(ver, S("2023-11-14T22"), NULL, 0, 0, (uint8_t *)buf, sizeof buf, &written) ==
            CLICKFENCE_INVALID_REPORT_RANGE,
        "one bound only");
  clickfence_click_verifier_free(ver);
  cJSON_Delete(v);
}

/* ---- circuit breaker: the shared scenarios of breaker.json ---- */
static void test_breaker(void) {
  cJSON *v = load("breaker.json");
  const cJSON *key = cJSON_GetObjectItem(v, "key");
  const cJSON *urls = cJSON_GetObjectItem(v, "urls");
  const cJSON *sc;
  int scenarios = 0;
  cJSON_ArrayForEach(sc, cJSON_GetObjectItem(v, "scenarios")) {
    scenarios++;
    clickfence_click_verifier *ver = NULL;
    CHECK(clickfence_click_verifier_new(CLICKFENCE_MODE_ENABLED, true, &ver) == CLICKFENCE_OK, "verifier_new");
    clickfence_click_verifier_add_key(ver, S(str(key, "id")), S(str(key, "secret")), u64(key, "expires_at"), 0);
    clickfence_click_signer *signer = NULL;
    clickfence_click_signer_new(S(str(key, "secret")), &signer);
    uint64_t trips = 0, counter = 0;
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(sc, "steps")) {
      if (cJSON_GetObjectItem(step, "set_mode")) {
        clickfence_click_verifier_set_mode_at(ver, CLICKFENCE_MODE_ENABLED, u64(step, "now"));
        continue;
      }
      const char *kind = str(step, "kind");
      const cJSON *net = cJSON_GetObjectItem(step, "net");
      uint64_t n = u64(step, "n"), nets = u64(step, "nets");
      for (uint64_t j = 0; j < n; j++) {
        /* A fresh genuine click for each `valid`: a signature is valid once. */
        char fresh[512];
        const char *url = str(urls, strcmp(kind, "valid") == 0 ? "unsigned" : kind);
        if (strcmp(kind, "valid") == 0) {
          char base[256];
          size_t written = 0;
          snprintf(base, sizeof base, "%s&n=%llu", str(urls, "valid_base"), (unsigned long long)counter++);
          clickfence_click_signer_sign(signer, S(base), u64(urls, "valid_expires"), false, (uint8_t *)fresh,
                                       sizeof fresh, &written);
          url = fresh;
        }
        char source[32] = "";
        if (cJSON_IsNumber(net)) {
          uint64_t i = (uint64_t)net->valuedouble + j % nets;
          snprintf(source, sizeof source, "100.%u.%u.9", (unsigned)(64 + i / 256), (unsigned)(i % 256));
        }
        clickfence_click_verdict verdict = {0, false, false};
        const cJSON *asn = cJSON_GetObjectItem(step, "asn");
        clickfence_status st = clickfence_click_verifier_verify_fetch(
            ver, S(url), source[0] ? (const uint8_t *)source : NULL, strlen(source), NULL, 0, NULL, 0,
            cJSON_IsNumber(asn) ? (uint32_t)asn->valuedouble : 0, u64(step, "now"), &verdict, NULL, 0, NULL);
        if (st != CLICKFENCE_OK) {
          CHECK(0, "verify_fetch %s", str(sc, "name"));
          break;
        }
        trips += verdict.tripped;
      }
    }
    char buf[1024];
    size_t written = 0;
    CHECK(clickfence_click_verifier_config_json(ver, 0, (uint8_t *)buf, sizeof buf, &written) == CLICKFENCE_OK, "config");
    cJSON *config = cJSON_Parse(buf);
    CHECK(config && strcmp(str(config, "mode"), str(sc, "mode")) == 0, "mode after %s: %s", str(sc, "name"), buf);
    CHECK(trips == u64(sc, "trips"), "trips in %s: %llu", str(sc, "name"), (unsigned long long)trips);
    cJSON_Delete(config);
    clickfence_click_signer_free(signer);
    clickfence_click_verifier_free(ver);
  }
  CHECK(scenarios >= 9, "breaker scenarios: %d", scenarios);
  /* A malformed source is refused and nothing is counted. */
  clickfence_click_verifier *ver = NULL;
  clickfence_click_verifier_new(CLICKFENCE_MODE_ENABLED, true, &ver);
  clickfence_click_verdict verdict;
  CHECK(clickfence_click_verifier_verify_from(ver, S(str(urls, "unsigned")), S("300.1.1.1"), 1700000000, &verdict, NULL, 0,
                                              NULL) == CLICKFENCE_INVALID_IP,
        "bad source");
  char buf[1024];
  size_t written = 0;
  clickfence_click_verifier_report_csv(ver, NULL, 0, NULL, 0, 1700000000, (uint8_t *)buf, sizeof buf, &written);
  CHECK(strchr(buf, '\n') == strrchr(buf, '\n'), "nothing counted: %s", buf);
  clickfence_click_verifier_free(ver);
  cJSON_Delete(v);
}

/* ---- one-time tickets: the shared cases of tickets.json ---- */
static const uint8_t *opt(const cJSON *obj, const char *key, size_t *len) {
  const cJSON *item = cJSON_GetObjectItem(obj, key);
  if (!cJSON_IsString(item)) {
    *len = 0;
    return NULL;
  }
  *len = strlen(item->valuestring);
  return (const uint8_t *)item->valuestring;
}

static void test_tickets(void) {
  cJSON *v = load("tickets.json");
  const cJSON *key = cJSON_GetObjectItem(v, "key");
  const cJSON *c;
  int cases = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    cases++;
    const char *mode = str(c, "mode");
    uint32_t m = strcmp(mode, "enabled") == 0 ? CLICKFENCE_MODE_ENABLED
                 : strcmp(mode, "report-only") == 0 ? CLICKFENCE_MODE_REPORT_ONLY
                                                     : CLICKFENCE_MODE_DISABLED;
    clickfence_click_verifier *ver = NULL;
    clickfence_click_verifier_new(m, true, &ver);
    clickfence_click_verifier_add_key(ver, S(str(key, "id")), S(str(key, "secret")), u64(key, "expires_at"),
                                      u64(v, "added_at"));
    const cJSON *step;
    int i = 0;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(c, "steps")) {
      const cJSON *which = cJSON_GetObjectItem(step, "url");
      const char *url = cJSON_IsString(which) ? str(v, which->valuestring) : str(c, "url");
      size_t source_len, ua_len, purpose_len;
      const uint8_t *source = opt(step, "source", &source_len);
      const uint8_t *ua = opt(step, "user_agent", &ua_len);
      const uint8_t *purpose = opt(step, "purpose", &purpose_len);
      if (strcmp(str(step, "op"), "check") == 0) {
        uint32_t outcome = 99;
        CHECK(clickfence_click_verifier_check(ver, S(url), source, source_len, ua, ua_len, purpose, purpose_len,
                                              u64(step, "now"), &outcome) == CLICKFENCE_OK,
              "check");
        CHECK(strcmp(clickfence_click_outcome_name(outcome), str(step, "outcome")) == 0, "%s, step %d: %s",
              str(c, "name"), i, clickfence_click_outcome_name(outcome));
      } else {
        clickfence_click_verdict verdict = {0, false, false};
        CHECK(clickfence_click_verifier_verify_fetch(ver, S(url), source, source_len, ua, ua_len, purpose, purpose_len,
                                                     0, u64(step, "now"), &verdict, NULL, 0, NULL) == CLICKFENCE_OK,
              "verify_fetch");
        CHECK(strcmp(clickfence_click_outcome_name(verdict.outcome), str(step, "outcome")) == 0, "%s, step %d: %s",
              str(c, "name"), i, clickfence_click_outcome_name(verdict.outcome));
        CHECK(verdict.accepted == cJSON_IsTrue(cJSON_GetObjectItem(step, "accepted")), "%s, step %d: accepted",
              str(c, "name"), i);
      }
      i++;
    }
    clickfence_click_verifier_free(ver);
  }
  CHECK(cases >= 15, "ticket cases: %d", cases);
  cJSON_Delete(v);
}

/* ---- webhooks ---- */

/* The secrets of a case as C byte strings (at most 8). */
static size_t secrets_of(const cJSON *c, clickfence_bytes list[8]) {
  const cJSON *secrets = cJSON_GetObjectItem(c, "secrets");
  size_t n = (size_t)cJSON_GetArraySize(secrets);
  for (size_t i = 0; i < n && i < 8; i++) {
    const char *sec = cJSON_GetArrayItem(secrets, (int)i)->valuestring;
    list[i].ptr = (const uint8_t *)sec;
    list[i].len = strlen(sec);
  }
  return n;
}

/* The [name, value] pairs of `hs` as C headers (at most 8). */
static size_t headers_of(const cJSON *hs, clickfence_header headers[8]) {
  size_t hn = (size_t)cJSON_GetArraySize(hs);
  for (size_t i = 0; i < hn && i < 8; i++) {
    const cJSON *h = cJSON_GetArrayItem(hs, (int)i);
    const char *name = cJSON_GetArrayItem(h, 0)->valuestring, *value = cJSON_GetArrayItem(h, 1)->valuestring;
    headers[i].name.ptr = (const uint8_t *)name;
    headers[i].name.len = strlen(name);
    headers[i].value.ptr = (const uint8_t *)value;
    headers[i].value.len = strlen(value);
  }
  return hn;
}

static void test_webhook(void) {
  cJSON *v = load("webhook.json");
  char sig[65];
  size_t written;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "sign")) {
    size_t body_len;
    uint8_t *body = unhex(str(c, "body_hex"), &body_len);
    clickfence_webhook_signer *s = NULL;
    clickfence_webhook_signer_new(S(str(c, "secret")), &s);
    CHECK(clickfence_webhook_signer_sign(s, u64(c, "timestamp"), body, body_len, (uint8_t *)sig, sizeof sig, &written) ==
                  CLICKFENCE_OK &&
              strcmp(sig, str(c, "signature")) == 0,
          "webhook sign %s", str(c, "name"));
    clickfence_webhook_signer_free(s);
    free(body);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "verify")) {
    clickfence_bytes list[8];
    size_t n = secrets_of(c, list);
    clickfence_webhook_verifier *ver = NULL;
    CHECK(clickfence_webhook_verifier_new(list, n, u64(c, "tolerance"), &ver) == CLICKFENCE_OK, "verifier_new");
    clickfence_header headers[8];
    size_t hn = headers_of(cJSON_GetObjectItem(c, "headers"), headers);
    size_t body_len;
    uint8_t *body = unhex(str(c, "body_hex"), &body_len);
    clickfence_webhook_verified out = {99, 0};
    clickfence_status st = clickfence_webhook_verifier_verify(ver, headers, hn, body, body_len, u64(c, "now"), &out);
    const char *code = str(c, "code");
    if (code) {
      CHECK(strcmp(clickfence_status_name(st), code) == 0 && out.secret_index == 99, "%s: got %s", str(c, "name"),
            clickfence_status_name(st));
    } else {
      CHECK(st == CLICKFENCE_OK && out.secret_index == u64(c, "secret_index"), "%s", str(c, "name"));
    }
    free(body);
    clickfence_webhook_verifier_free(ver);
  }
  /* Headers block; a body with NUL bytes verifies through the ABI. */
  clickfence_webhook_signer *s = NULL;
  clickfence_webhook_signer_new(S("whsec"), &s);
  const uint8_t body[] = {'{', 0, '}', 0};
  char block[512];
  CHECK(clickfence_webhook_signer_headers(s, S("ip.blocked"), S("5821"), 1777896000, body, sizeof body,
                                          (uint8_t *)block, sizeof block, &written) == CLICKFENCE_OK &&
            strstr(block, "X-MyClickShield-Delivery: 5821\r\n") && strstr(block, "Content-Type: application/json\r\n"),
        "headers block");
  clickfence_webhook_signer_sign(s, 1777896000, body, sizeof body, (uint8_t *)sig, sizeof sig, &written);
  clickfence_bytes secret = {(const uint8_t *)"whsec", 5};
  clickfence_webhook_verifier *ver = NULL;
  clickfence_webhook_verifier_new(&secret, 1, 0, &ver);
  clickfence_header hs[2] = {
      {{(const uint8_t *)"x-myclickshield-timestamp", 25}, {(const uint8_t *)"1777896000", 10}},
      {{(const uint8_t *)"x-myclickshield-signature", 25}, {(const uint8_t *)sig, 64}},
  };
  CHECK(clickfence_webhook_verifier_verify(ver, hs, 2, body, sizeof body, 1777896000, NULL) == CLICKFENCE_OK,
        "NUL-byte body verifies");
  CHECK(clickfence_webhook_verifier_verify(ver, hs, 2, body, 3, 1777896000, NULL) == CLICKFENCE_SIGNATURE_MISMATCH,
        "truncated NUL-byte body fails");
  CHECK(clickfence_webhook_verifier_verify(ver, NULL, 2, body, 4, 1777896000, NULL) == CLICKFENCE_NULL_ARGUMENT,
        "NULL headers");
  CHECK(clickfence_webhook_verifier_new(&secret, 0, 0, &ver) == CLICKFENCE_INVALID_SECRET_COUNT, "no secrets");
  clickfence_webhook_verifier_free(ver);
  clickfence_webhook_signer_free(s);
  cJSON_Delete(v);
}

/* ---- webhook schemes (tests/vectors/webhook_schemes.json) ---- */
static void test_webhook_schemes(void) {
  cJSON *v = load("webhook_schemes.json");
  const cJSON *c;
  clickfence_bytes list[8];
  clickfence_header headers[8];
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    size_t n = secrets_of(c, list);
    clickfence_webhook_verifier *ver = NULL;
    CHECK(clickfence_webhook_verifier_new_with_scheme(S(str(c, "scheme")), list, n, u64(c, "tolerance"), &ver) ==
              CLICKFENCE_OK,
          "%s: verifier", str(c, "name"));
    size_t hn = headers_of(cJSON_GetObjectItem(c, "headers"), headers);
    size_t body_len;
    uint8_t *body = unhex(str(c, "body_hex"), &body_len);
    clickfence_webhook_verified out = {99, 0};
    clickfence_status st = clickfence_webhook_verifier_verify(ver, headers, hn, body, body_len, u64(c, "now"), &out);
    const char *code = str(c, "code");
    if (code) {
      CHECK(strcmp(clickfence_status_name(st), code) == 0, "%s: got %s", str(c, "name"), clickfence_status_name(st));
    } else {
      CHECK(st == CLICKFENCE_OK && out.secret_index == u64(c, "secret_index"), "%s: got %s", str(c, "name"),
            clickfence_status_name(st));
    }
    free(body);
    clickfence_webhook_verifier_free(ver);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "construct")) {
    size_t n = secrets_of(c, list);
    clickfence_webhook_verifier *ver = NULL;
    clickfence_status st = clickfence_webhook_verifier_new_with_scheme(S(str(c, "scheme")), list, n, 0, &ver);
    CHECK(strcmp(clickfence_status_name(st), str(c, "code")) == 0 && ver == NULL, "%s: got %s", str(c, "name"),
          clickfence_status_name(st));
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "replay")) {
    size_t n = secrets_of(c, list);
    clickfence_webhook_verifier *ver = NULL;
    clickfence_replay_guard *guard = NULL;
    clickfence_webhook_verifier_new_with_scheme(S(str(c, "scheme")), list, n, 0, &ver);
    clickfence_replay_guard_new(ver, 0, &guard);
    const cJSON *step;
    int i = 0;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(c, "steps")) {
      size_t hn = headers_of(cJSON_GetObjectItem(step, "headers"), headers);
      size_t body_len;
      uint8_t *body = unhex(str(step, "body_hex"), &body_len);
      clickfence_status st = clickfence_replay_guard_verify(guard, headers, hn, body, body_len, u64(step, "now"), NULL);
      const char *code = str(step, "code");
      CHECK(code ? strcmp(clickfence_status_name(st), code) == 0 : st == CLICKFENCE_OK, "replay %s step %d: got %s",
            str(c, "scheme"), i, clickfence_status_name(st));
      free(body);
      i++;
    }
    clickfence_replay_guard_free(guard);
    clickfence_webhook_verifier_free(ver);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "sign")) {
    clickfence_webhook_signer *s = NULL, *rotating = NULL;
    CHECK(clickfence_webhook_signer_new_with_scheme(S(str(c, "scheme")), S(str(c, "secret")), &s) == CLICKFENCE_OK,
          "%s: signer", str(c, "name"));
    if (str(c, "previous_secret")) {
      CHECK(clickfence_webhook_signer_with_previous(s, S(str(c, "previous_secret")), u64(c, "previous_until"),
                                                    &rotating) == CLICKFENCE_OK,
            "%s: rotating", str(c, "name"));
    }
    size_t body_len, written;
    uint8_t *body = unhex(str(c, "body_hex"), &body_len);
    char block[1024], expected[1024] = "";
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(c, "headers")) {
      size_t at = strlen(expected);
      snprintf(expected + at, sizeof expected - at, "%s: %s\r\n", cJSON_GetArrayItem(h, 0)->valuestring,
               cJSON_GetArrayItem(h, 1)->valuestring);
    }
    clickfence_status st =
        clickfence_webhook_signer_headers(rotating ? rotating : s, S(str(c, "event")), S(str(c, "delivery_id")),
                                          u64(c, "timestamp"), body, body_len, (uint8_t *)block, sizeof block, &written);
    CHECK(st == CLICKFENCE_OK && strcmp(block, expected) == 0, "%s: headers", str(c, "name"));
    if (str(c, "public_key")) {
      char public_key[64];
      CHECK(clickfence_webhook_signer_public_key(s, (uint8_t *)public_key, sizeof public_key, &written) ==
                    CLICKFENCE_OK &&
                strcmp(public_key, str(c, "public_key")) == 0,
            "%s: public key", str(c, "name"));
    } else {
      char public_key[64];
      CHECK(clickfence_webhook_signer_public_key(s, (uint8_t *)public_key, sizeof public_key, &written) ==
                CLICKFENCE_UNSUPPORTED_SCHEME,
            "%s: an HMAC signer has no public key", str(c, "name"));
    }
    free(body);
    clickfence_webhook_signer_free(rotating);
    clickfence_webhook_signer_free(s);
  }
  /* Providers' formats are signed by their libraries; a generated Standard
     Webhooks secret signs what it verifies. */
  clickfence_webhook_signer *s = NULL;
  CHECK(clickfence_webhook_signer_new_with_scheme(S("stripe"), S("k"), &s) == CLICKFENCE_UNSUPPORTED_SCHEME && !s,
        "stripe signer refused");
  char secret[64];
  size_t written;
  CHECK(clickfence_webhook_generate_secret(S("standard"), (uint8_t *)secret, sizeof secret, &written) ==
                CLICKFENCE_OK &&
            written == 38 && strncmp(secret, "whsec_", 6) == 0,
        "generated standard secret");
  CHECK(clickfence_webhook_generate_secret(S("svix"), (uint8_t *)secret, sizeof secret, &written) ==
            CLICKFENCE_UNKNOWN_SCHEME,
        "unknown scheme");
  cJSON_Delete(v);
}

/* ---- IP access ---- */

static clickfence_ip_set *list_from(const cJSON *items) {
  if (!items) return NULL;
  char text[4096] = "";
  const cJSON *it;
  cJSON_ArrayForEach(it, items) {
    strcat(text, it->valuestring);
    strcat(text, "\n");
  }
  clickfence_ip_set *set = NULL;
  clickfence_ip_set_from_lines(S(text), &set);
  return set;
}

static clickfence_geoip *db_from(const cJSON *name) {
  if (!cJSON_IsString(name)) return NULL;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", vectors_dir, name->valuestring);
  clickfence_geoip *db = NULL;
  CHECK(clickfence_geoip_open(S(path), &db) == CLICKFENCE_OK, "open %s", path);
  return db;
}

static void test_ip(void) {
  cJSON *v = load("ip.json");
  const cJSON *p;
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(v, "policies")) {
    const cJSON *src = cJSON_GetObjectItem(p, "sources");
    clickfence_access_sources sources;
    memset(&sources, 0, sizeof sources);
    clickfence_geoip *geo = db_from(cJSON_GetObjectItem(src, "geoip"));
    clickfence_geoip *anon = db_from(cJSON_GetObjectItem(src, "anonymous_ip"));
    clickfence_ip_set *tor = list_from(cJSON_GetObjectItem(src, "tor"));
    clickfence_ip_set *vpn = list_from(cJSON_GetObjectItem(src, "vpn"));
    clickfence_ip_set *dc = list_from(cJSON_GetObjectItem(src, "datacenter"));
    sources.geoip = geo;
    sources.anonymous_ip = anon;
    sources.tor = tor;
    sources.vpn = vpn;
    sources.datacenter = dc;
    clickfence_block blocks[8];
    size_t nb = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(p, "blocks")) {
      blocks[nb].ip.ptr = (const uint8_t *)str(b, "ip");
      blocks[nb].ip.len = strlen(str(b, "ip"));
      blocks[nb].expires_at = u64(b, "expires_at");
      nb++;
    }
    sources.blocks = blocks;
    sources.block_count = nb;
    char *config = cJSON_PrintUnformatted(cJSON_GetObjectItem(p, "config"));
    clickfence_access_policy *policy = NULL;
    CHECK(clickfence_access_policy_from_json(S(config), &sources, &policy) == CLICKFENCE_OK, "policy %s",
          str(p, "name"));
    free(config);
    /* The policy keeps its own references: free the sources now. */
    clickfence_geoip_free(geo);
    clickfence_geoip_free(anon);
    clickfence_ip_set_free(tor);
    clickfence_ip_set_free(vpn);
    clickfence_ip_set_free(dc);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(p, "checks")) {
      const char *country = str(c, "country");
      clickfence_access_decision d;
      clickfence_status st = clickfence_access_policy_check(policy, S(str(c, "ip")), (const uint8_t *)country,
                                                            country ? strlen(country) : 0, u64(c, "now"), &d);
      const cJSON *want = cJSON_GetObjectItem(c, "expect");
      int ok = st == CLICKFENCE_OK && d.allowed == truthy(want, "allowed");
      if (!d.allowed) {
        ok = ok && strcmp(clickfence_block_reason_name(d.reason), str(want, "reason")) == 0 &&
             strcmp((const char *)d.country, str(want, "country")) == 0;
      }
      CHECK(ok, "%s: %s %s -> %s %s", str(p, "name"), str(c, "ip"), country ? country : "-",
            clickfence_block_reason_name(d.reason), d.country);
    }
    clickfence_access_policy_free(policy);
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(v, "config_errors")) {
    char *config = cJSON_PrintUnformatted(cJSON_GetObjectItem(e, "config"));
    clickfence_access_policy *policy = NULL;
    clickfence_status st = clickfence_access_policy_from_json(S(config), NULL, &policy);
    char msg[512];
    last_error(msg, sizeof msg);
    CHECK(st == CLICKFENCE_INVALID_CONFIG && policy == NULL && strstr(msg, str(e, "field")), "config error %s: %s",
          str(e, "field"), msg);
    free(config);
  }
  clickfence_ip_set *set = NULL;
  CHECK(clickfence_ip_set_from_lines(S("1.2.3.4\nnot-an-ip\n"), &set) == CLICKFENCE_INVALID_LIST_LINE && set == NULL,
        "bad list line");
  cJSON_Delete(v);
}

/* ---- rate ---- */

/* ---- key parts from client text: keys.json ---- */
static void test_keys(void) {
  cJSON *v = load("keys.json");
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "client_keys")) {
    n++;
    const char *text = str(c, "text");
    char buf[128];
    size_t written = 0;
    CHECK(clickfence_client_key(S(text), (uint8_t *)buf, sizeof buf, &written) == CLICKFENCE_OK, "client_key");
    CHECK(strcmp(buf, str(c, "expected")) == 0 && written == strlen(buf), "client_key(%.40s): %s", text, buf);
  }
  CHECK(n >= 10, "client key cases: %d", n);
  /* Too small a buffer: the size needed, and an error. */
  size_t written = 0;
  char tiny[4];
  CHECK(clickfence_client_key(S("a-long-enough-key"), (uint8_t *)tiny, sizeof tiny, &written) ==
            CLICKFENCE_BUFFER_TOO_SMALL && written == 17,
        "client_key small buffer");
  cJSON_Delete(v);
}

/* ---- Shopify app-proxy signatures: app_proxy.json ---- */
static void test_app_proxy(void) {
  cJSON *v = load("app_proxy.json");
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    n++;
    const char *name = str(c, "name"), *query = str(c, "query"), *secret = str(c, "secret");
    char shop[256];
    size_t written = 0;
    uint64_t ts = 0;
    clickfence_status st = clickfence_app_proxy_verify(S(query), S(secret), u64(c, "now"), (uint8_t *)shop,
                                                       sizeof shop, &written, &ts);
    const cJSON *err = cJSON_GetObjectItem(c, "error");
    if (cJSON_IsString(err)) {
      CHECK(strcmp(clickfence_status_name(st), err->valuestring) == 0, "%s: %s", name, clickfence_status_name(st));
    } else {
      const cJSON *ok = cJSON_GetObjectItem(c, "ok");
      CHECK(st == CLICKFENCE_OK, "%s: %s", name, clickfence_status_name(st));
      CHECK(st != CLICKFENCE_OK || (strcmp(shop, str(ok, "shop")) == 0 && ts == u64(ok, "timestamp")), "%s: %s %llu",
            name, shop, (unsigned long long)ts);
    }
    const cJSON *sig = cJSON_GetObjectItem(c, "signature");
    if (cJSON_IsString(sig)) {
      char buf[80];
      CHECK(clickfence_app_proxy_signature(S(query), S(secret), (uint8_t *)buf, sizeof buf, &written) == CLICKFENCE_OK &&
                strcmp(buf, sig->valuestring) == 0,
            "%s: signature %s", name, buf);
    }
  }
  CHECK(n >= 15, "app proxy cases: %d", n);
  cJSON_Delete(v);
}

static void test_rate(void) {
  cJSON *v = load("rate.json");
  const cJSON *sc;
  cJSON_ArrayForEach(sc, cJSON_GetObjectItem(v, "scenarios")) {
    clickfence_rate_limiter *l = NULL;
    clickfence_rate_limiter_new((uint32_t)u64(sc, "limit"), u64(sc, "window"), 0, &l);
    const cJSON *step;
    int all_ok = 1;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(sc, "steps")) {
      clickfence_rate_decision d;
      clickfence_status st = clickfence_rate_limiter_check(l, S(str(step, "key")), (uint32_t)u64(step, "cost"),
                                                           u64(step, "now"), &d);
      const cJSON *retry = cJSON_GetObjectItem(step, "retry_after");
      all_ok = all_ok && st == CLICKFENCE_OK && d.allowed == truthy(step, "allowed") &&
               d.remaining == u64(step, "remaining") && d.reset_after == u64(step, "reset_after") &&
               d.retry_after == (cJSON_IsNumber(retry) ? (uint64_t)retry->valuedouble : 0);
    }
    CHECK(all_ok, "rate scenario %s", str(sc, "name"));
    clickfence_rate_limiter_free(l);
  }
  clickfence_rate_limiter *l = NULL;
  clickfence_rate_limiter_new(60, 60, 0, &l);
  clickfence_rate_decision d;
  for (int i = 0; i < 61; i++) clickfence_rate_limiter_check(l, S("tok"), 1, 1700000000, &d);
  char block[512];
  size_t written;
  CHECK(clickfence_rate_decision_headers(&d, (uint8_t *)block, sizeof block, &written) == CLICKFENCE_OK &&
            strstr(block, "Retry-After: 60\r\n") && strstr(block, "RateLimit-Policy: \"default\";q=60;w=60\r\n"),
        "rate headers: %s", block);
  CHECK(clickfence_rate_limiter_check(l, S("tok"), 61, 1700000000, &d) == CLICKFENCE_COST_EXCEEDS_LIMIT, "cost");
  CHECK(clickfence_rate_limiter_new(0, 60, 0, &l) == CLICKFENCE_INVALID_QUOTA, "bad quota");
  clickfence_rate_limiter_free(l);
  cJSON_Delete(v);
}

/* ---- published range files ---- */

static void test_published_ranges(void) {
  cJSON *v = load("ranges.json");
  const cJSON *f;
  cJSON_ArrayForEach(f, cJSON_GetObjectItem(v, "files")) {
    char path[256];
    snprintf(path, sizeof path, "ranges/%s", str(f, "file"));
    size_t len = 0;
    char *text = read_file(path, &len);
    clickfence_ip_set *set = NULL;
    CHECK(clickfence_ip_set_from_published(S(str(f, "format")), (const uint8_t *)text, len, &set) == CLICKFENCE_OK,
          "published %s", path);
    const cJSON *ip;
    cJSON_ArrayForEach(ip, cJSON_GetObjectItem(f, "inside")) {
      bool in = false;
      CHECK(clickfence_ip_set_contains(set, S(ip->valuestring), &in) == CLICKFENCE_OK && in, "%s in %s",
            ip->valuestring, path);
    }
    cJSON_ArrayForEach(ip, cJSON_GetObjectItem(f, "outside")) {
      bool in = true;
      CHECK(clickfence_ip_set_contains(set, S(ip->valuestring), &in) == CLICKFENCE_OK && !in, "%s not in %s",
            ip->valuestring, path);
    }
    char date[128];
    size_t n = 0;
    CHECK(clickfence_ip_set_date(set, (uint8_t *)date, sizeof date, &n) == CLICKFENCE_OK, "date %s", path);
    const cJSON *want = cJSON_GetObjectItem(f, "date");
    CHECK(cJSON_IsNull(want) ? n == 0 : (n == strlen(want->valuestring) && memcmp(date, want->valuestring, n) == 0),
          "date of %s: %.*s", path, (int)n, date);
    clickfence_ip_set_free(set);
    free(text);
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(v, "errors")) {
    clickfence_ip_set *set = NULL;
    CHECK(clickfence_ip_set_from_published(S(str(e, "format")), S(str(e, "text")), &set) ==
                  CLICKFENCE_INVALID_RANGES &&
              set == NULL,
          "bad %s file", str(e, "format"));
  }
  clickfence_ip_set *set = NULL;
  CHECK(clickfence_ip_set_from_published(S("gcp"), S("{}"), &set) == CLICKFENCE_INVALID_RANGES, "unknown format");
  cJSON_Delete(v);
}

/* ---- hosting networks from free ASN data ---- */

static void test_hosting(void) {
  clickfence_asn_table *table = NULL;
  CHECK(clickfence_asn_table_new(&table) == CLICKFENCE_OK, "asn table");
  const char *files[] = {"asn/asn-ipv4.csv", "asn/asn-ipv6.csv"};
  for (int i = 0; i < 2; i++) {
    size_t len = 0;
    char *csv = read_file(files[i], &len);
    CHECK(clickfence_asn_table_load_csv(table, (const uint8_t *)csv, len) == CLICKFENCE_OK, "load %s", files[i]);
    free(csv);
  }
  CHECK(clickfence_asn_table_load_csv(table, S("5.9.0.0,5.9.255.255,x,H\n")) == CLICKFENCE_INVALID_RANGES, "bad row");
  uint32_t asn = 0;
  CHECK(clickfence_asn_table_lookup(table, S("5.9.10.10"), &asn) == CLICKFENCE_OK && asn == 24940, "AS %u", asn);
  CHECK(clickfence_asn_table_lookup(table, S("198.51.100.1"), &asn) == CLICKFENCE_OK && asn == 0, "no row: %u", asn);
  size_t len = 0;
  char *egress = read_file("ranges/apple-egress-ip-ranges.csv", &len);
  clickfence_ip_set *relay = NULL;
  CHECK(clickfence_ip_set_from_published(S("apple-private-relay"), (const uint8_t *)egress, len, &relay) == CLICKFENCE_OK,
        "relays");
  free(egress);
  const clickfence_ip_set *relays[] = {relay};
  clickfence_hosting_networks *hosting = NULL;
  CHECK(clickfence_hosting_networks_new(table, relays, 1, &hosting) == CLICKFENCE_OK, "hosting");
  clickfence_asn_table_free(table); /* the detection keeps its own copy */
  char op[64];
  size_t n = 0;
  CHECK(clickfence_hosting_networks_operator(hosting, S("5.9.10.10"), (uint8_t *)op, sizeof op, &n) == CLICKFENCE_OK &&
            n == 7 && memcmp(op, "Hetzner", 7) == 0,
        "operator: %.*s", (int)n, op);
  CHECK(clickfence_hosting_networks_operator(hosting, S("172.224.226.1"), (uint8_t *)op, sizeof op, &n) == CLICKFENCE_OK &&
            n == 0,
        "a relay is no one's hosting");
  clickfence_access_policy *policy = NULL;
  CHECK(clickfence_access_policy_from_json_with_hosting(S("{\"enabled\": true, \"blockDatacenter\": true}"), NULL,
                                                        hosting, &policy) == CLICKFENCE_OK,
        "policy with hosting");
  clickfence_access_decision d;
  CHECK(clickfence_access_policy_check(policy, S("1.44.96.7"), NULL, 0, 0, &d) == CLICKFENCE_OK && !d.allowed &&
            d.reason == CLICKFENCE_REASON_BLOCKED_DATACENTER,
        "AWS is a data center");
  CHECK(clickfence_access_policy_check(policy, S("172.224.226.1"), NULL, 0, 0, &d) == CLICKFENCE_OK && d.allowed,
        "a relay is a person");
  CHECK(clickfence_access_policy_check(policy, S("23.24.1.1"), NULL, 0, 0, &d) == CLICKFENCE_OK && d.allowed,
        "Comcast is people");
  /* Every case of the shared vectors: the operator, and the policy's verdict. */
  cJSON *v = load("hosting.json");
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    const cJSON *want = cJSON_GetObjectItem(c, "operator");
    n = 0;
    CHECK(clickfence_hosting_networks_operator(hosting, S(str(c, "ip")), (uint8_t *)op, sizeof op, &n) == CLICKFENCE_OK,
          "operator of %s", str(c, "ip"));
    CHECK(cJSON_IsNull(want) ? n == 0 : (n == strlen(want->valuestring) && memcmp(op, want->valuestring, n) == 0),
          "%s: %.*s", str(c, "ip"), (int)n, op);
    CHECK(clickfence_access_policy_check(policy, S(str(c, "ip")), NULL, 0, 0, &d) == CLICKFENCE_OK &&
              d.allowed == cJSON_IsNull(want),
          "policy on %s", str(c, "ip"));
  }
  cJSON_Delete(v);
  clickfence_access_policy_free(policy);
  clickfence_hosting_networks_free(hosting);
  clickfence_ip_set_free(relay);
}

/* ---- verified crawlers ---- */

static clickfence_crawler_verifier *crawler_verifier(const cJSON *files) {
  static const char *ops[] = {"google", "bing", "apple", "yandex", "baidu", "duckduckgo", "facebook"};
  clickfence_crawler_verifier *v = NULL;
  CHECK(clickfence_crawler_verifier_new(&v) == CLICKFENCE_OK, "crawler verifier");
  const cJSON *f;
  cJSON_ArrayForEach(f, files) {
    char path[256];
    snprintf(path, sizeof path, "crawlers/%s", f->valuestring);
    char *text = read_file(path, NULL);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
      if (strncmp(f->valuestring, ops[i], strlen(ops[i])) == 0) {
        CHECK(clickfence_crawler_verifier_load_ranges(v, S(ops[i]), S(text)) == CLICKFENCE_OK, "ranges %s", path);
        break;
      }
    }
    free(text);
  }
  return v;
}

static void test_crawlers(void) {
  cJSON *v = load("crawlers.json");
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "scenarios")) {
    clickfence_crawler_verifier *cv = crawler_verifier(cJSON_GetObjectItem(c, "ranges"));
    char *answers = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "answers"));
    char out[1024];
    size_t n = 0;
    CHECK(clickfence_crawler_verifier_check_json(cv, S(str(c, "user_agent")), S(str(c, "ip")), S(answers),
                                                 (uint8_t *)out, sizeof out, &n) == CLICKFENCE_OK,
          "crawler check %s", str(c, "name"));
    cJSON *got = cJSON_ParseWithLength(out, n);
    CHECK(got != NULL && cJSON_Compare(got, cJSON_GetObjectItem(c, "expect"), 1), "crawler %s: %.*s", str(c, "name"),
          (int)n, out);
    cJSON_Delete(got);
    free(answers);
    clickfence_crawler_verifier_free(cv);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "errors")) {
    clickfence_crawler_verifier *cv = crawler_verifier(cJSON_GetObjectItem(c, "ranges"));
    char out[1024];
    size_t n = 0;
    clickfence_status st = clickfence_crawler_verifier_check_json(cv, S(str(c, "user_agent")), S(str(c, "ip")),
                                                                  S(str(c, "answers")), (uint8_t *)out, sizeof out, &n);
    CHECK(st == CLICKFENCE_INVALID_CRAWLER_ANSWERS, "crawler error %s: %d", str(c, "name"), (int)st);
    clickfence_crawler_verifier_free(cv);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "range_errors")) {
    clickfence_crawler_verifier *cv = NULL;
    clickfence_crawler_verifier_new(&cv);
    CHECK(clickfence_crawler_verifier_load_ranges(cv, S(str(c, "operator")), S(str(c, "json"))) ==
              CLICKFENCE_INVALID_CRAWLER_RANGES,
          "range error %s", str(c, "json"));
    clickfence_crawler_verifier_free(cv);
  }
  /* NULL answers = none yet; a bad address and NULL handles are errors. */
  clickfence_crawler_verifier *cv = NULL;
  clickfence_crawler_verifier_new(&cv);
  char out[256];
  size_t n = 0;
  CHECK(clickfence_crawler_verifier_check_json(cv, S("Googlebot/2.1"), S("66.249.66.1"), NULL, 0, (uint8_t *)out,
                                               sizeof out, &n) == CLICKFENCE_OK &&
            strncmp(out, "{\"operator\":\"google\",\"question\":{\"ptr\":\"66.249.66.1\"}}", n) == 0,
        "no answers: %.*s", (int)n, out);
  CHECK(clickfence_crawler_verifier_check_json(cv, S("Googlebot/2.1"), S("66.249.66"), NULL, 0, (uint8_t *)out,
                                               sizeof out, &n) != CLICKFENCE_OK,
        "bad address");
  CHECK(clickfence_crawler_verifier_load_ranges(NULL, S("google"), S("{}")) == CLICKFENCE_NULL_ARGUMENT, "NULL verifier");
  clickfence_crawler_verifier_free(cv);
  clickfence_crawler_verifier_free(NULL);
  cJSON_Delete(v);
}

/* ---- scoring ---- */

static void test_score(void) {
  cJSON *v = load("score.json");
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    clickfence_scorer *s = NULL;
    CHECK(clickfence_scorer_new(NULL, 0, (int64_t)u64(c, "block_threshold"), (int64_t)u64(c, "flag_threshold"), &s) ==
              CLICKFENCE_OK,
          "scorer_new");
    char *signals = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "signals"));
    clickfence_assessment a;
    static const char *names[] = {"valid", "flagged", "blocked"};
    CHECK(clickfence_scorer_score(s, S(signals), &a) == CLICKFENCE_OK && a.score == u64(c, "score") &&
              strcmp(names[a.status], str(c, "status")) == 0,
          "score %s: %u", str(c, "name"), a.score);
    char out[4096];
    size_t written;
    clickfence_scorer_score_json(s, S(signals), (uint8_t *)out, sizeof out, &written);
    cJSON *got = cJSON_ParseWithLength(out, written);
    CHECK(got != NULL && strcmp(str(got, "category"), str(c, "category")) == 0, "category %s: %s",
          str(c, "name"), got ? str(got, "category") : "?");
    cJSON_Delete(got);
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "reasons")) {
      char needle[128];
      snprintf(needle, sizeof needle, "\"code\":\"%s\"", r->valuestring);
      CHECK(strstr(out, needle) != NULL, "reason %s in %s", r->valuestring, str(c, "name"));
    }
    free(signals);
    clickfence_scorer_free(s);
  }
  clickfence_scorer *s = NULL;
  CHECK(clickfence_scorer_new(S("{\"version\":\"v\",\"rules\":{\"vpnn\":1}}"), 70, 40, &s) == CLICKFENCE_INVALID_RULES,
        "bad rules");
  CHECK(clickfence_scorer_new(NULL, 0, 40, 70, &s) == CLICKFENCE_INVALID_THRESHOLDS, "bad thresholds");
  /* A crawler list loaded at run time; user agents sorted into categories. */
  const char *list = "[{\"pattern\": \"AcmeProbe\", \"tags\": [\"monitoring\"]}]";
  CHECK(clickfence_scorer_new_with_crawler_list(NULL, 0, 70, 40, S(list), S("ours"), &s) == CLICKFENCE_OK, "crawler list");
  clickfence_category cat = 9;
  CHECK(clickfence_scorer_user_agent_category(s, S("AcmeProbe/1.0"), &cat) == CLICKFENCE_OK &&
            cat == CLICKFENCE_CATEGORY_GIVT,
        "loaded list: %u", cat);
  CHECK(clickfence_scorer_user_agent_category(
            s, S("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36"), &cat) ==
                CLICKFENCE_OK &&
            cat == CLICKFENCE_CATEGORY_SIVT,
        "automation: %u", cat);
  CHECK(clickfence_scorer_user_agent_category(
            s, S("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
            &cat) == CLICKFENCE_OK &&
            cat == CLICKFENCE_CATEGORY_CLEAN,
        "browser: %u", cat);
  clickfence_scorer_free(s);
  s = NULL;
  CHECK(clickfence_scorer_new_with_crawler_list(NULL, 0, 70, 40, S("[{\"pattern\": \"a(?=b)\"}]"), NULL, 0, &s) ==
            CLICKFENCE_INVALID_CRAWLER_LIST && s == NULL,
        "bad crawler list");
  CHECK(clickfence_scorer_new_with_crawler_list(NULL, 0, 70, 40, NULL, 0, NULL, 0, &s) == CLICKFENCE_OK, "embedded list");
  CHECK(clickfence_scorer_user_agent_category(s, S("WhatsApp/2.23.20.0 A"), &cat) == CLICKFENCE_OK &&
            cat == CLICKFENCE_CATEGORY_GIVT,
        "preview: %u", cat);
  clickfence_scorer_free(s);
  /* Invalid fields are dropped and listed; lax JSON is refused. */
  const cJSON *ig;
  cJSON_ArrayForEach(ig, cJSON_GetObjectItem(v, "signal_ignored")) {
    clickfence_scorer *sc = NULL;
    clickfence_scorer_new(NULL, 0, 70, 40, &sc);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(ig, "signals"));
    char json[4096];
    size_t n = 0;
    CHECK(clickfence_scorer_score_json(sc, S(text), (uint8_t *)json, sizeof json, &n) == CLICKFENCE_OK &&
              strstr(json, "\"ignored_signals\":[\"") != NULL && strstr(json, str(ig, "path")) != NULL &&
              strstr(json, "\"status\":\"blocked\"") != NULL,
          "ignored %s: %s", str(ig, "path"), json);
    free(text);
    clickfence_scorer_free(sc);
  }
  const cJSON *er;
  cJSON_ArrayForEach(er, cJSON_GetObjectItem(v, "signal_errors")) {
    clickfence_scorer *sc = NULL;
    clickfence_scorer_new(NULL, 0, 70, 40, &sc);
    clickfence_assessment a;
    CHECK(clickfence_scorer_score(sc, S(str(er, "text")), &a) == CLICKFENCE_INVALID_SIGNALS, "error %s", str(er, "text"));
    clickfence_scorer_free(sc);
  }
  cJSON_Delete(v);
}

/* ---- conventions ---- */

static void test_conventions(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", CLICKFENCE_VERSION_MAJOR, CLICKFENCE_VERSION_MINOR,
           CLICKFENCE_VERSION_PATCH);
  CHECK(strcmp(clickfence_version(), expected) == 0, "version %s", clickfence_version());
  CHECK(strcmp(clickfence_status_name(CLICKFENCE_SIGNATURE_MISMATCH), "signature_mismatch") == 0, "status name");
  CHECK(strcmp(clickfence_status_name(123456), "unknown_status") == 0, "unknown status");
  /* NULL everywhere gives CLICKFENCE_NULL_ARGUMENT, never a crash. */
  size_t written;
  CHECK(clickfence_click_signer_new(NULL, 5, NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL secret");
  CHECK(clickfence_click_signer_sign(NULL, S("https://a/"), 1, false, NULL, 0, &written) == CLICKFENCE_NULL_ARGUMENT,
        "NULL signer");
  CHECK(clickfence_click_verifier_verify(NULL, S("x"), 0, NULL, NULL, 0, NULL) == CLICKFENCE_NULL_ARGUMENT,
        "NULL verifier");
  CHECK(clickfence_webhook_verifier_verify(NULL, NULL, 0, NULL, 0, 0, NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL wh");
  CHECK(clickfence_access_policy_check(NULL, S("1.2.3.4"), NULL, 0, 0, NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL policy");
  CHECK(clickfence_rate_limiter_check(NULL, S("k"), 1, 0, NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL limiter");
  CHECK(clickfence_scorer_score(NULL, S("{}"), NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL scorer");
  CHECK(clickfence_last_error_message(NULL, 0, NULL) == CLICKFENCE_NULL_ARGUMENT, "NULL written");
  clickfence_click_signer *s = NULL;
  CHECK(clickfence_click_signer_new(S(""), &s) == CLICKFENCE_EMPTY_SECRET && s == NULL, "out untouched on failure");
  const uint8_t bad_utf8[] = {0xff, 0xfe};
  clickfence_click_signer_new(S("k"), &s);
  char buf[256];
  CHECK(clickfence_click_signer_sign(s, bad_utf8, 2, 1, false, (uint8_t *)buf, sizeof buf, &written) ==
            CLICKFENCE_INVALID_UTF8,
        "invalid UTF-8");
  clickfence_click_signer_free(s);
  clickfence_click_signer_free(NULL);
  clickfence_click_verifier_free(NULL);
  clickfence_webhook_signer_free(NULL);
  clickfence_webhook_verifier_free(NULL);
  clickfence_geoip_free(NULL);
  clickfence_ip_set_free(NULL);
  clickfence_access_policy_free(NULL);
  clickfence_rate_limiter_free(NULL);
  clickfence_scorer_free(NULL);
  clickfence_geoip *db = NULL;
  CHECK(clickfence_geoip_open(S("/nonexistent.mmdb"), &db) == CLICKFENCE_GEOIP_OPEN_FAILED && db == NULL, "open fails");
}

/* ---- defects found by fuzzing and review (issue 14) ---- */
static void test_regressions(void) {
  /* 2: asking the size of the last error keeps the message. */
  clickfence_click_signer *s = NULL;
  clickfence_click_signer_new(S("k"), &s);
  char out[512];
  size_t written = 0;
  CHECK(clickfence_click_signer_sign(s, S(""), 1, false, (uint8_t *)out, sizeof out, &written) == CLICKFENCE_EMPTY_URL,
        "empty url");
  char tiny[4];
  size_t need = 0;
  CHECK(clickfence_last_error_message((uint8_t *)tiny, sizeof tiny, &need) == CLICKFENCE_BUFFER_TOO_SMALL && need > 4,
        "size asked: %zu", need);
  char *msg = malloc(need + 1);
  CHECK(clickfence_last_error_message((uint8_t *)msg, need + 1, &need) == CLICKFENCE_OK && strstr(msg, "empty") != NULL,
        "the original message survives: %s", msg);
  free(msg);
  clickfence_click_signer_free(s);

  /* 3: a call failing on its output buffer counts nothing; the retry counts once. */
  clickfence_click_verifier *v = NULL;
  clickfence_click_verifier_new(CLICKFENCE_MODE_REPORT_ONLY, false, &v);
  clickfence_click_verdict verdict;
  char small[2];
  size_t key_len = 0;
  CHECK(clickfence_click_verifier_verify(v, S("https://a.example/x?p=1"), 1700000000, &verdict, (uint8_t *)small,
                                         sizeof small, &key_len) == CLICKFENCE_BUFFER_TOO_SMALL &&
            key_len == CLICKFENCE_MAX_KEY_ID_LEN,
        "short key id buffer");
  char key[CLICKFENCE_MAX_KEY_ID_LEN + 1];
  CHECK(clickfence_click_verifier_verify(v, S("https://a.example/x?p=1"), 1700000000, &verdict, (uint8_t *)key,
                                         sizeof key, &key_len) == CLICKFENCE_OK,
        "retry");
  CHECK(clickfence_click_verifier_report_csv(v, NULL, 0, NULL, 0, 1700000000, (uint8_t *)out, sizeof out, &written) ==
                CLICKFENCE_OK &&
            strstr(out, ",1,0,1,0,0,0") != NULL,
        "one click counted once: %s", out);
  /* 5: times past year 9999 are refused with a code, never wrapped. */
  CHECK(clickfence_click_verifier_verify(v, S("https://a.example/x"), UINT64_MAX, &verdict, NULL, 0, NULL) ==
            CLICKFENCE_TIME_OUT_OF_RANGE,
        "verify at u64 max");
  clickfence_click_verifier_free(v);
  clickfence_rate_limiter *rl = NULL;
  clickfence_rate_limiter_new(1, 60, 0, &rl);
  clickfence_rate_decision d;
  CHECK(clickfence_rate_limiter_check(rl, S("k"), 1, UINT64_MAX, &d) == CLICKFENCE_TIME_OUT_OF_RANGE, "rate at max");
  CHECK(clickfence_rate_limiter_check(rl, S("k"), 1, 253402300799ULL, &d) == CLICKFENCE_OK && d.allowed, "last second");
  CHECK(clickfence_rate_limiter_check(rl, S("k"), 1, 253402300799ULL, &d) == CLICKFENCE_OK && !d.allowed,
        "still limited at the edge");
  clickfence_rate_limiter_free(rl);

  /* 8: a malformed country hint is read as unknown; the address rules decide. */
  clickfence_access_policy *policy = NULL;
  CHECK(clickfence_access_policy_from_json(S("{\"enabled\":true,\"blockedIPs\":[\"1.2.3.4\"]}"), NULL, &policy) ==
            CLICKFENCE_OK,
        "policy");
  clickfence_access_decision ad;
  CHECK(clickfence_access_policy_check(policy, S("1.2.3.4"), S("USA"), 0, &ad) == CLICKFENCE_OK && !ad.allowed &&
            ad.reason == CLICKFENCE_REASON_BLOCKED_IP && ad.country_hint_ignored,
        "bad hint still blocked");
  clickfence_access_policy_free(policy);

  /* 4: a huge count is a status, not an abort. */
  clickfence_bytes secret = {(const uint8_t *)"whsec", 5};
  clickfence_webhook_verifier *wv = NULL;
  CHECK(clickfence_webhook_verifier_new(&secret, (size_t)1 << 40, 0, &wv) == CLICKFENCE_INVALID_SECRET_COUNT && wv == NULL,
        "huge secret count");
  CHECK(clickfence_webhook_verifier_new(&secret, 9, 0, &wv) == CLICKFENCE_INVALID_SECRET_COUNT, "nine secrets");
}

/* ---- one verifier, many threads ---- */

struct shared {
  const clickfence_click_verifier *verifier;
  const char *url;
  int ok;
};

static void *verify_many(void *arg) {
  struct shared *sh = arg;
  for (int i = 0; i < 500; i++) {
    clickfence_click_verdict d;
    if (clickfence_click_verifier_verify(sh->verifier, S(sh->url), 1700000000, &d, NULL, 0, NULL) == CLICKFENCE_OK &&
        d.outcome == CLICKFENCE_OUTCOME_VALID)
      sh->ok++;
  }
  return NULL;
}

static void test_threads(void) {
  clickfence_click_signer *s = NULL;
  clickfence_click_signer_new(S("shared-secret"), &s);
  char url[512];
  size_t written;
  clickfence_click_signer_sign(s, S("https://app.example/com.app?pid=net"), 1700000300, false, (uint8_t *)url,
                               sizeof url, &written);
  clickfence_click_signer_free(s);
  clickfence_click_verifier *v = NULL;
  clickfence_click_verifier_new(CLICKFENCE_MODE_ENABLED, true, &v);
  clickfence_click_verifier_add_key(v, S("k"), S("shared-secret"), 1800000000, 1700000000);
  pthread_t threads[4];
  struct shared sh[4];
  for (int t = 0; t < 4; t++) {
    sh[t] = (struct shared){v, url, 0};
    pthread_create(&threads[t], NULL, verify_many, &sh[t]);
  }
  int total = 0;
  for (int t = 0; t < 4; t++) {
    pthread_join(threads[t], NULL);
    total += sh[t].ok;
  }
  /* One ticket, four threads racing: exactly one first use, the rest replays. */
  CHECK(total == 1, "threads verified %d valid of 2000 (one ticket)", total);
  char csv[512];
  clickfence_click_verifier_report_csv(v, NULL, 0, NULL, 0, 1700000000, (uint8_t *)csv, sizeof csv, &written);
  CHECK(strstr(csv, ",2000,1,0,0,0,0,1999\n") != NULL, "report counts every thread's click: %s", csv);
  clickfence_click_verifier_free(v);
}

/* tests/vectors/velocity.json and replay.json: answers from Python models. */
static void test_state_vectors(void) {
  cJSON *v = load("velocity.json");
  const cJSON *sc, *step;
  cJSON_ArrayForEach(sc, cJSON_GetObjectItem(v, "scenarios")) {
    clickfence_velocity_counter *c = NULL;
    CHECK(clickfence_velocity_counter_new(0, &c) == CLICKFENCE_OK, "velocity_new");
    int i = 0;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(sc, "steps")) {
      clickfence_velocity_counts got = {0, 0};
      int record = strcmp(str(step, "op"), "record") == 0;
      clickfence_status st = record ? clickfence_velocity_counter_record(c, S(str(step, "key")), u64(step, "now"), &got)
                                    : clickfence_velocity_counter_peek(c, S(str(step, "key")), u64(step, "now"), &got);
      CHECK(st == CLICKFENCE_OK && got.last_minute == u64(step, "last_minute") && got.last_hour == u64(step, "last_hour"),
            "velocity %s step %d: %llu %llu", str(sc, "name"), i, (unsigned long long)got.last_minute,
            (unsigned long long)got.last_hour);
      i++;
    }
    clickfence_velocity_counter_free(c);
  }
  cJSON_Delete(v);

  v = load("replay.json");
  const char *secret = str(v, "secret");
  clickfence_bytes list[1] = {{(const uint8_t *)secret, strlen(secret)}};
  cJSON_ArrayForEach(sc, cJSON_GetObjectItem(v, "scenarios")) {
    clickfence_webhook_verifier *ver = NULL;
    clickfence_replay_guard *g = NULL;
    CHECK(clickfence_webhook_verifier_new(list, 1, u64(sc, "tolerance"), &ver) == CLICKFENCE_OK, "verifier_new");
    CHECK(clickfence_replay_guard_new(ver, (size_t)u64(sc, "capacity"), &g) == CLICKFENCE_OK, "replay_guard_new");
    clickfence_webhook_verifier_free(ver); /* the guard keeps its own copy */
    int i = 0;
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(sc, "steps")) {
      char ts[24];
      snprintf(ts, sizeof ts, "%llu", (unsigned long long)u64(step, "timestamp"));
      const char *sig = str(step, "signature"), *body = str(step, "body");
      clickfence_header hs[2] = {
          {{(const uint8_t *)"X-MyClickShield-Timestamp", 25}, {(const uint8_t *)ts, strlen(ts)}},
          {{(const uint8_t *)"X-MyClickShield-Signature", 25}, {(const uint8_t *)sig, strlen(sig)}},
      };
      clickfence_webhook_verified out;
      clickfence_status st = clickfence_replay_guard_verify(g, hs, 2, S(body), u64(step, "now"), &out);
      const char *code = st == CLICKFENCE_OK ? "ok" : clickfence_status_name(st);
      CHECK(strcmp(code, str(step, "expect")) == 0, "replay %s step %d: %s", str(sc, "name"), i, code);
      i++;
    }
    clickfence_replay_guard_free(g);
  }
  clickfence_replay_guard_free(NULL);
  clickfence_velocity_counter_free(NULL);
  clickfence_velocity_counts counts;
  CHECK(clickfence_velocity_counter_record(NULL, S("k"), 1, &counts) == CLICKFENCE_NULL_ARGUMENT, "NULL counter");
  cJSON_Delete(v);
}

/* tests/vectors/client_ip.json: answers from a Python model of the rule. */
static void test_client_ip(void) {
  cJSON *v = load("client_ip.json");
  clickfence_ip_set *sets[2] = {NULL, NULL};
  const char *keys[2] = {"proxies", "cloudflare"};
  for (int k = 0; k < 2; k++) {
    char lines[512] = "";
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(v, keys[k])) {
      strncat(lines, n->valuestring, sizeof lines - strlen(lines) - 2);
      strcat(lines, "\n");
    }
    CHECK(clickfence_ip_set_from_lines(S(lines), &sets[k]) == CLICKFENCE_OK, "ip set %s", keys[k]);
  }
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
    clickfence_bytes xff[4];
    size_t n = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(c, "forwarded_for")) {
      xff[n].ptr = (const uint8_t *)h->valuestring;
      xff[n++].len = strlen(h->valuestring);
    }
    const cJSON *cf = cJSON_GetObjectItem(c, "cf_connecting_ip");
    const char *cfs = cJSON_IsString(cf) ? cf->valuestring : NULL;
    char ip[64];
    size_t written;
    uint32_t source = 99;
    clickfence_status st = clickfence_client_ip(S(str(c, "peer")), xff, n, (const uint8_t *)cfs, cfs ? strlen(cfs) : 0,
                                                sets[0], sets[1], (uint8_t *)ip, sizeof ip, &written, &source);
    CHECK(st == CLICKFENCE_OK && strcmp(ip, str(c, "ip")) == 0 &&
              strcmp(clickfence_client_ip_source_name(source), str(c, "source")) == 0,
          "client_ip %s: %s %s", str(c, "name"), ip, clickfence_client_ip_source_name(source));
  }
  char ip[64];
  size_t written;
  uint32_t source;
  CHECK(clickfence_client_ip(S("not an ip"), NULL, 0, NULL, 0, sets[0], NULL, (uint8_t *)ip, sizeof ip, &written,
                             &source) == CLICKFENCE_INVALID_IP,
        "bad peer");
  CHECK(clickfence_client_ip(S("10.0.0.1"), NULL, 1, NULL, 0, sets[0], NULL, (uint8_t *)ip, sizeof ip, &written,
                             &source) == CLICKFENCE_NULL_ARGUMENT,
        "NULL headers with a count");
  clickfence_ip_set_free(sets[0]);
  clickfence_ip_set_free(sets[1]);
  cJSON_Delete(v);
}

/* tests/vectors/geoip_lookups.json: Anonymous IP and ASN lookups. */
static void test_geoip_lookups(void) {
  cJSON *v = load("geoip_lookups.json");
  clickfence_geoip *anon = db_from(cJSON_GetObjectItem(v, "anonymous_db"));
  clickfence_geoip *asn = db_from(cJSON_GetObjectItem(v, "asn_db"));
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "anonymous")) {
    clickfence_anonymous_flags f;
    const cJSON *want = cJSON_GetObjectItem(c, "flags");
    CHECK(clickfence_geoip_anonymous(anon, S(str(c, "ip")), &f) == CLICKFENCE_OK &&
              f.anonymous == truthy(want, "anonymous") && f.vpn == truthy(want, "vpn") &&
              f.hosting == truthy(want, "hosting") && f.public_proxy == truthy(want, "public_proxy") &&
              f.residential_proxy == truthy(want, "residential_proxy") && f.tor == truthy(want, "tor"),
          "anonymous %s", str(c, "ip"));
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "asn")) {
    uint32_t number = 99;
    char org[64];
    size_t written;
    const cJSON *want = cJSON_GetObjectItem(c, "asn");
    clickfence_status st = clickfence_geoip_asn(asn, S(str(c, "ip")), &number, (uint8_t *)org, sizeof org, &written);
    if (cJSON_IsNull(want)) {
      CHECK(st == CLICKFENCE_OK && number == 0 && written == 0, "no asn for %s", str(c, "ip"));
    } else {
      CHECK(st == CLICKFENCE_OK && number == u64(want, "number") && strcmp(org, str(want, "organization")) == 0,
            "asn %s: %u %s", str(c, "ip"), number, org);
    }
  }
  clickfence_anonymous_flags f;
  uint32_t number;
  char org[8];
  size_t written;
  CHECK(clickfence_geoip_anonymous(asn, S("1.1.1.1"), &f) == CLICKFENCE_WRONG_DATABASE_TYPE, "asn db is not anonymous");
  CHECK(clickfence_geoip_asn(anon, S("1.1.1.1"), &number, (uint8_t *)org, sizeof org, &written) ==
            CLICKFENCE_WRONG_DATABASE_TYPE,
        "anonymous db has no asn");
  CHECK(clickfence_geoip_asn(asn, S("1.1.1.1"), &number, (uint8_t *)org, 4, &written) == CLICKFENCE_BUFFER_TOO_SMALL &&
            written == 13,
        "short buffer: %zu", written);
  CHECK(clickfence_geoip_anonymous(anon, S("1.2.3"), &f) == CLICKFENCE_INVALID_IP, "bad ip");
  clickfence_geoip_free(anon);
  clickfence_geoip_free(asn);
  cJSON_Delete(v);
}

int main(int argc, char **argv) {
  if (argc > 1) vectors_dir = argv[1];
  test_conventions();
  test_regressions();
  test_click();
  test_breaker();
  test_tickets();
  test_webhook();
  test_webhook_schemes();
  test_ip();
  test_rate();
  test_keys();
  test_app_proxy();
  test_state_vectors();
  test_client_ip();
  test_geoip_lookups();
  test_score();
  test_crawlers();
  test_published_ranges();
  test_hosting();
  test_threads();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
