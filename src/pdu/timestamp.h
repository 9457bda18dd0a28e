// Service centre time stamps (TS 23.040 clause 9.2.3.11): seven semi-octet fields with
// the sender's time zone in quarter hours.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"

namespace smsgate::pdu {

struct Timestamp {
  int year = 2000;  // two-digit years are 2000 + YY
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_quarters = 0;  // time zone, in quarters of an hour east of UTC
  friend bool operator==(const Timestamp&, const Timestamp&) = default;

  std::string iso8601() const;  // "2026-11-23T10:15:00+07:00"
};

// `octets` must hold 7 octets.
Result<Timestamp> decode_timestamp(std::span<const uint8_t> octets);
void encode_timestamp(const Timestamp& t, uint8_t out[7]);

}  // namespace smsgate::pdu
