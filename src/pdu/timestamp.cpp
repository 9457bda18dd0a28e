#include "pdu/timestamp.h"

#include <cstdio>
#include <cstdlib>

namespace smsgate::pdu {
namespace {

// Semi-octets are swapped: the low nibble holds the tens digit (TS 23.040 9.1.2.3).
int swapped_bcd(uint8_t octet) {
  int tens = octet & 0x0F;
  int units = octet >> 4;
  if (tens > 9 || units > 9) return -1;
  return tens * 10 + units;
}

uint8_t to_swapped_bcd(int value) {
  return static_cast<uint8_t>((value % 10) << 4 | (value / 10 % 10));
}

}  // namespace

std::string Timestamp::iso8601() const {
  int offset_minutes = std::abs(offset_quarters) * 15;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year, month, day, hour,
                minute, second, offset_quarters < 0 ? '-' : '+', offset_minutes / 60,
                offset_minutes % 60);
  return buf;
}

Result<Timestamp> decode_timestamp(std::span<const uint8_t> octets) {
  static constexpr const char* kFields[] = {"year",   "month",  "day",      "hour",
                                            "minute", "second", "time zone"};
  int v[7];
  for (int i = 0; i < 6; ++i) {
    v[i] = swapped_bcd(octets[i]);
    if (v[i] < 0) return make_error(std::string("bad semi-octet in the ") + kFields[i]);
  }
  // The time zone's tens digit carries the sign in its bit 3 (TS 23.040 9.2.3.11).
  uint8_t tz = octets[6];
  bool negative = tz & 0x08;
  v[6] = swapped_bcd(static_cast<uint8_t>(tz & 0xF7));
  if (v[6] < 0) return make_error("bad semi-octet in the time zone");
  Timestamp t{2000 + v[0], v[1], v[2], v[3], v[4], v[5], negative ? -v[6] : v[6]};
  if (t.month < 1 || t.month > 12) return make_error("month out of range");
  if (t.day < 1 || t.day > 31) return make_error("day out of range");
  if (t.hour > 23) return make_error("hour out of range");
  if (t.minute > 59) return make_error("minute out of range");
  if (t.second > 59) return make_error("second out of range");
  if (v[6] > 72) return make_error("time zone out of range");
  return t;
}

void encode_timestamp(const Timestamp& t, uint8_t out[7]) {
  out[0] = to_swapped_bcd(t.year % 100);
  out[1] = to_swapped_bcd(t.month);
  out[2] = to_swapped_bcd(t.day);
  out[3] = to_swapped_bcd(t.hour);
  out[4] = to_swapped_bcd(t.minute);
  out[5] = to_swapped_bcd(t.second);
  out[6] = to_swapped_bcd(std::abs(t.offset_quarters));
  if (t.offset_quarters < 0) out[6] |= 0x08;
}

}  // namespace smsgate::pdu
