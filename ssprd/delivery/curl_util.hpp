// libcurl plumbing shared by the mailer and the SMS sender (internal to sspr_delivery).
#pragma once

#include <curl/curl.h>
#include <memory>
#include <string>

namespace sspr::daemon::delivery {

// curl_global_init() exactly once per process, before the first transfer and before any
// worker thread exists (DeliveryQueue's constructor calls it; send_* call it too, so direct
// callers need not). curl gets allocation functions that wipe every block it frees, so its
// private copies of the SMTP password and of messages holding codes do not linger in freed
// heap. Returns false if libcurl could not be initialised.
bool ensure_curl_initialised() noexcept;

struct CurlEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
using CurlPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

// Appends to a list, keeping ownership in `list`; false on allocation failure.
bool slist_append(CurlSlistPtr& list, const std::string& item);

// A parsed URL's parts; ok=false when curl cannot parse it.
struct UrlParts {
  bool ok = false;
  std::string scheme;  // lower case
  std::string host;    // as curl reports it ("[::1]" for IPv6)
  bool has_credentials = false;
};
UrlParts parse_url(const std::string& url);

// "<curl's detailed message>" or, without one, curl_easy_strerror(); safe for one log line.
std::string curl_error_text(CURLcode code, const char* error_buffer);

// One transfer's options, set one after another; the first failure sticks, so none is silently
// ignored (an ignored TLS option would be a downgrade). What every transfer of ours needs is
// set at construction: the error buffer, the URL and the protocols allowed, no signals (worker
// threads: no SIGALRM-based DNS timeouts), no proxy from *_proxy variables (a code goes where
// the configuration says), the timeouts, TLS 1.2 or newer with peer and host verified, and the
// CA file when one is given.
class CurlTransfer {
 public:
  CurlTransfer(CURL* curl, const std::string& url, const char* protocols, long timeout_seconds,
               const std::string& ca_file);
  template <class Value>
  void set(CURLoption option, Value value) {
    if (result_ == CURLE_OK) result_ = curl_easy_setopt(curl_, option, value);
  }
  CURLcode result() const noexcept { return result_; }
  // The transfer itself (refused if an option could not be set).
  CURLcode perform();
  std::string error_text() const { return curl_error_text(result_, error_buffer_); }

 private:
  CURL* curl_;
  CURLcode result_ = CURLE_OK;
  char error_buffer_[CURL_ERROR_SIZE] = "";
};

// Wipes a string's bytes (it may hold a code) when the scope ends.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& s) noexcept : s_(s) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit();

 private:
  std::string& s_;
};

}  // namespace sspr::daemon::delivery
