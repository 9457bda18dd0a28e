// A SIM's balance read from the network's answer to a balance code ("*100#"), in the
// shapes operators write it. Pure functions, thread-safe.
//
// The amount is the number written beside a currency ("5.00 EUR", "Rp 12.500",
// "$2.50", "3,20 €", "KSh 23.45", "150 руб") or, when no currency is written, the
// first number after a balance word ("Guthaben: 3,20", "Your balance is 5.00",
// "Saldo 12,5"; balance, bal, credit, guthaben, saldo, pulsa, solde, остаток,
// баланс). Anything else is no amount and the text is kept as it is: a menu
// ("1. Balance 2. Bundles"), a date ("Exp 12/31/2026"), a phone number, an error.
//
// Separators: where both "." and "," appear the last is the decimal mark ("1,234.56",
// "1.234,56"); one kind written twice or more separates thousands ("1.234.567"); one
// written once is a decimal mark ("5.00", "3,20") unless exactly three digits follow
// it, as in "Rp 12.500" or "1,500 KES" (prepaid balances are not kept to a tenth of a
// cent). A minus sign just before the number ("-1.20 EUR") is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smsgate::policy {

struct BalanceReading {
  std::optional<double> amount;  // none: no balance found in the text
  std::string currency;          // as written ("EUR", "Rp", "$", "€"); empty when none
  std::string text;              // the answer as the network gave it
  friend bool operator==(const BalanceReading&, const BalanceReading&) = default;
};

BalanceReading parse_balance(std::string_view text);

}  // namespace smsgate::policy
