/* Stands in for the one trace pam_unix leaves of a password it checked: its outcome, kept on
 * the PAM handle as "unix_setcred_return" for its own setcred. pam_sspr's account phase reads
 * it to know the login proved the password. Stacked after pam_matrix (which checks the
 * password here: pam_unix cannot read the test users' shadow file under nss_wrapper). The
 * booted Debian of the system tier runs the real pam_unix. */
#include <security/pam_modules.h>
#include <stdlib.h>

static void release(pam_handle_t* pamh, void* data, int status) {
  (void)pamh;
  (void)status;
  free(data);
}

__attribute__((visibility("default"))) int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  (void)flags;
  (void)argc;
  (void)argv;
  int* outcome = malloc(sizeof *outcome);
  if (outcome == NULL) return PAM_BUF_ERR;
  *outcome = PAM_SUCCESS;
  return pam_set_data(pamh, "unix_setcred_return", outcome, release);
}

__attribute__((visibility("default"))) int pam_sm_setcred(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  (void)pamh;
  (void)flags;
  (void)argc;
  (void)argv;
  return PAM_SUCCESS;
}
