#include "drivers/generic.h"

namespace smsgate::drivers {

const Driver& generic_driver() { return kGenericDriver; }

}  // namespace smsgate::drivers
