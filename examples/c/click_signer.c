/* Signs a click URL for five minutes: click_signer URL SECRET */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clickfence.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s URL SECRET\n", argv[0]);
    return 2;
  }
  clickfence_click_signer *signer = NULL;
  clickfence_status st = clickfence_click_signer_new((const uint8_t *)argv[2], strlen(argv[2]), &signer);
  if (st != CLICKFENCE_OK) {
    fprintf(stderr, "secret: %s\n", clickfence_status_name(st));
    return 1;
  }
  char signed_url[4096];
  size_t written = 0;
  st = clickfence_click_signer_sign(signer, (const uint8_t *)argv[1], strlen(argv[1]), (uint64_t)time(NULL) + 300,
                                    false, (uint8_t *)signed_url, sizeof signed_url, &written);
  clickfence_click_signer_free(signer);
  if (st != CLICKFENCE_OK) {
    char message[256];
    clickfence_last_error_message((uint8_t *)message, sizeof message, &written);
    fprintf(stderr, "%s: %s\n", clickfence_status_name(st), message);
    return 1;
  }
  puts(signed_url);
  return 0;
}
