#include "delivery/curl_util.hpp"

#include "secret.hpp"
#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <mutex>

namespace sspr::daemon::delivery {
namespace {

void wiping_free(void* p) {
  if (p == nullptr) return;
  secure_wipe(p, ::malloc_usable_size(p));
  std::free(p);
}
void* plain_malloc(std::size_t n) { return std::malloc(n); }
void* plain_calloc(std::size_t n, std::size_t size) { return std::calloc(n, size); }
char* plain_strdup(const char* s) { return ::strdup(s); }
// realloc() would free the old block unwiped: move by hand instead.
void* wiping_realloc(void* p, std::size_t n) {
  if (p == nullptr) return std::malloc(n);
  if (n == 0) {
    wiping_free(p);
    return nullptr;
  }
  void* q = std::malloc(n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min(n, ::malloc_usable_size(p)));
  wiping_free(p);
  return q;
}

}  // namespace

bool ensure_curl_initialised() noexcept {
  static std::once_flag once;
  static CURLcode result = CURLE_FAILED_INIT;
  std::call_once(once, [] {
    result = curl_global_init_mem(CURL_GLOBAL_DEFAULT, plain_malloc, wiping_free, wiping_realloc, plain_strdup,
                                  plain_calloc);
  });
  return result == CURLE_OK;
}

bool slist_append(CurlSlistPtr& list, const std::string& item) {
  curl_slist* grown = curl_slist_append(list.get(), item.c_str());
  if (grown == nullptr) return false;
  (void)list.release();  // curl_slist_append returned the same head (or a new one for an empty list)
  list.reset(grown);
  return true;
}

UrlParts parse_url(const std::string& url) {
  UrlParts parts;
  CurlUrlPtr u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return parts;
  auto get = [&](CURLUPart part, std::string& out) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, 0) != CURLUE_OK || value == nullptr) return false;
    out = value;
    curl_free(value);
    return true;
  };
  std::string ignored;
  if (!get(CURLUPART_SCHEME, parts.scheme) || !get(CURLUPART_HOST, parts.host)) return parts;
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::transform(parts.host.begin(), parts.host.end(), parts.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  parts.has_credentials = get(CURLUPART_USER, ignored) || get(CURLUPART_PASSWORD, ignored);
  secure_wipe(ignored.data(), ignored.size());
  parts.ok = true;
  return parts;
}

CurlTransfer::CurlTransfer(CURL* curl, const std::string& url, const char* protocols, long timeout_seconds,
                           const std::string& ca_file)
    : curl_(curl) {
  set(CURLOPT_ERRORBUFFER, error_buffer_);
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, protocols);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROXY, "");
  set(CURLOPT_TIMEOUT, timeout_seconds);
  set(CURLOPT_CONNECTTIMEOUT, timeout_seconds);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) set(CURLOPT_CAINFO, ca_file.c_str());
}

CURLcode CurlTransfer::perform() {
  if (result_ == CURLE_OK) result_ = curl_easy_perform(curl_);
  return result_;
}

std::string curl_error_text(CURLcode code, const char* error_buffer) {
  const char* text = (error_buffer != nullptr && error_buffer[0] != '\0') ? error_buffer : curl_easy_strerror(code);
  return escape_untrusted(text);
}

WipeOnExit::~WipeOnExit() { secure_wipe(s_.data(), s_.size()); }

}  // namespace sspr::daemon::delivery
