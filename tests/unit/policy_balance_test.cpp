// parse_balance: operators' answers to a balance code as networks word them, the
// separators they use, and texts that hold numbers but no balance (policy/balance.h).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "policy/balance.h"

namespace {

using smsgate::policy::parse_balance;

struct Case {
  std::string_view text;
  std::optional<double> amount;
  std::string_view currency;
};

constexpr std::optional<double> kNone = std::nullopt;

void check(const Case& c) {
  CAPTURE(c.text);
  auto reading = parse_balance(c.text);
  CHECK(reading.text == c.text);
  REQUIRE(reading.amount.has_value() == c.amount.has_value());
  if (c.amount) CHECK(*reading.amount == doctest::Approx(*c.amount));
  CHECK(reading.currency == c.currency);
}

}  // namespace

TEST_CASE("balance: an amount beside its currency, before or after it") {
  const Case cases[] = {
      {"Your balance is 5.00 EUR. Valid until 31.12.2026.", 5.00, "EUR"},
      {"Sisa pulsa Anda Rp 12.500 s.d. 15/01/2027", 12500, "Rp"},
      {"Guthaben: 3,20 EUR", 3.20, "EUR"},
      {"Bal:$2.50 Exp 12/31/2026", 2.50, "$"},
      {"Saldo Anda Rp.1.250.000, aktif s/d 2027-03-01", 1250000, "Rp"},
      {"Your account balance is KSh 23.45. Dial *544# for bundles", 23.45, "KSh"},
      {"Main Bal: 1,234.56 INR, valid till 12-Jan-2027", 1234.56, "INR"},
      {"Ihr Guthaben beträgt 1.234,56 €", 1234.56, "€"},
      {"Credit: £7.5", 7.5, "£"},
      {"Your balance is -1.20 EUR", -1.20, "EUR"},
      {"Votre solde est de 10,50EUR", 10.50, "EUR"},
      {"GH₵9.25 is your main balance", 9.25, "GH₵"},
      {"Остаток 12.34 р.", 12.34, "р"},
      {"Balance 1,500 KES. Buy airtime at *100*2#", 1500, "KES"},
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("balance: a number after a balance word when no currency is written") {
  const Case cases[] = {
      {"Dein Guthaben betraegt: 3.20", 3.20, ""},
      {"Saldo 12,5 valido fino al 31/12", 12.5, ""},
      {"Your balance is 0", 0, ""},
      {"Баланс: 150", 150, ""},
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("balance: menus, dates, codes and errors give no amount and keep the text") {
  const Case cases[] = {
      {"1. Balance\n2. Bundles\n3. Offers", kNone, ""},
      {"1. Balance 2. Bundles 3. My number", kNone, ""},
      {"Your SIM expires on 12/31/2026", kNone, ""},
      {"Service unavailable, try *100# later", kNone, ""},
      {"Your balance: see 31.12.2026", kNone, ""},
      {"Unknown application", kNone, ""},
      {"", kNone, ""},
  };
  for (const Case& c : cases) check(c);
}
