// Lists printed for people (`apikey list`, `user list`): columns padded to their
// widest cell, two spaces apart, the first row a header.
#pragma once

#include <string>
#include <vector>

namespace smsgate::cli {

// Byte widths: cells with non-ASCII letters may misalign slightly, which is harmless.
void print_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace smsgate::cli
