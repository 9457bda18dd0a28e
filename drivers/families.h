// The vendor families, each in drivers/<family>.cpp as a constexpr Driver built from
// kGenericDriver with only what differs. registry.cpp lists them in known_drivers();
// nothing outside drivers/ should need these names (use driver_for()), except tests.
#pragma once

#include "drivers/driver.h"

namespace smsgate::drivers {

const Driver& huawei_driver();
// SIMCom LTE modules (SIM7000/SIM7100/SIM7500/SIM7600/SIM7070..., A76xx): AT+CICCID.
const Driver& simcom_driver();
// SIMCom 2G modules (SIM800, SIM900) and any SIMCom model the LTE driver does not name.
const Driver& simcom_2g_driver();
const Driver& quectel_driver();
const Driver& sierra_driver();
const Driver& telit_driver();
const Driver& zte_driver();

}  // namespace smsgate::drivers
