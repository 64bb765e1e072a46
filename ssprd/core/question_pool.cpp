#include "question_pool.hpp"

#include "crypto/answers.hpp"

#include <iterator>

namespace sspr::daemon {
namespace {

// The built-in pool, as in Entra ID: questions whose answers a stranger cannot look up easily.
constexpr const char* kBuiltInQuestions[] = {
    "In what city did you meet your first spouse or partner?",
    "What was the name of your first pet?",
    "What was the first concert you attended?",
    "What was the make and model of your first car?",
    "What is the name of the street you grew up on?",
    "What was your childhood nickname?",
    "In what city was your first job?",
    "What was the name of your favourite teacher?",
    "What is the first name of your oldest cousin?",
    "What was the title of the first book you loved?",
};

}  // namespace

std::vector<std::string> question_pool(const Config& config) {
  std::vector<std::string> pool(std::begin(kBuiltInQuestions), std::end(kBuiltInQuestions));
  for (const auto& q : config.questions_custom)
    if (crypto::normalize_question(q)) pool.push_back(q);
  return pool;
}

}  // namespace sspr::daemon
