/*
 * Verifies a webhook delivery the way a receiver should: the raw body from
 * stdin, the two headers from the command line.
 *   webhook_receiver SECRET X-MyClickShield-Timestamp X-MyClickShield-Signature < body
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clickfence.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SECRET TIMESTAMP SIGNATURE < body\n", argv[0]);
    return 2;
  }
  static uint8_t body[1 << 20];
  size_t body_len = fread(body, 1, sizeof body, stdin);

  clickfence_bytes secret = {(const uint8_t *)argv[1], strlen(argv[1])};
  clickfence_webhook_verifier *verifier = NULL;
  if (clickfence_webhook_verifier_new(&secret, 1, 0, &verifier) != CLICKFENCE_OK) return 1;

  clickfence_header headers[2] = {
      {{(const uint8_t *)"X-MyClickShield-Timestamp", 25}, {(const uint8_t *)argv[2], strlen(argv[2])}},
      {{(const uint8_t *)"X-MyClickShield-Signature", 25}, {(const uint8_t *)argv[3], strlen(argv[3])}},
  };
  clickfence_webhook_verified verified;
  clickfence_status st =
      clickfence_webhook_verifier_verify(verifier, headers, 2, body, body_len, (uint64_t)time(NULL), &verified);
  clickfence_webhook_verifier_free(verifier);
  if (st != CLICKFENCE_OK) {
    char message[256];
    size_t n;
    clickfence_last_error_message((uint8_t *)message, sizeof message, &n);
    printf("reject (400): %s: %s\n", clickfence_status_name(st), message);
    return 1;
  }
  printf("accept (200): signed at %llu\n", (unsigned long long)verified.timestamp);
  return 0;
}
