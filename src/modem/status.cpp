#include "modem/status.h"

namespace smsgate::modem {

std::string_view state_name(State state) {
  switch (state) {
    case State::kOpening:
      return "opening";
    case State::kProbing:
      return "probing";
    case State::kUnlocking:
      return "unlocking";
    case State::kInitialising:
      return "initialising";
    case State::kReady:
      return "ready";
    case State::kResetting:
      return "resetting";
    case State::kOffline:
      return "offline";
    case State::kNeedsAttention:
      return "needs-attention";
    case State::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace smsgate::modem
