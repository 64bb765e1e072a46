// One-way forms of secrets that are stored so they can be checked later, never recovered.
#pragma once

#include "secret.hpp"

#include <string>
#include <string_view>

namespace sspr::daemon::crypto {

// --- High-entropy secrets (recovery codes, e-mail/SMS codes) -------------------------------
// A fast keyed hash is enough when the secret itself cannot be guessed; the key means a stolen
// record alone does not even allow checking a guess offline. `key` is 32 bytes used for
// nothing else: derive_subkey(master, KeyPurpose::digest) (subkey.hpp).
// `domain` separates uses ("recovery-code", "email-code", ...) so a digest made for one
// purpose never matches in another.

inline constexpr std::size_t kMaxDigestDomain = 64;

// Lower-case hex of BLAKE2b-256 keyed with `key` over domain || 0x00 || value.
// Throws std::invalid_argument if the key is not 32 bytes or `domain` is empty, longer than
// kMaxDigestDomain or contains NUL (which would make domain||0x00||value ambiguous).
std::string keyed_digest(const Secret& key, std::string_view domain, const Secret& value);

// Recomputes and compares in constant time. Same preconditions as keyed_digest().
bool digest_matches(std::string_view expected_hex, const Secret& key, std::string_view domain, const Secret& value);

// --- Low-entropy secrets (security answers) ------------------------------------------------
// Argon2id (crypto_pwhash_argon2id_str), opslimit/memlimit INTERACTIVE (2 passes, 64 MiB,
// roughly 0.1 s). Why not MODERATE/SENSITIVE: ssprd hashes on its single event loop, once per
// answer of every reset attempt, and those attempts come from unauthenticated users; 256 MiB
// to 1 GiB and seconds of CPU per answer would let a few callers stall or exhaust the daemon.
// The hashes sit in a root-only directory and attempts are rate-limited, so the hash is the
// second line of defence (a leaked state directory), where 64 MiB per guess is still costly.

inline constexpr std::size_t kMaxAnswerHash = 127;  // crypto_pwhash_STRBYTES - 1

// `normalized` is what normalize_answer() returned. Throws std::bad_alloc if Argon2's memory
// cannot be had.
std::string hash_answer(const Secret& normalized);

// False for a wrong answer, a malformed or over-long hash, or a hash that is not Argon2id.
bool verify_answer(std::string_view hash, const Secret& normalized);

// True if `hash` was made with other parameters than hash_answer() uses today, so the caller
// can re-hash after the next successful verification.
bool answer_hash_needs_rehash(std::string_view hash);

}  // namespace sspr::daemon::crypto
