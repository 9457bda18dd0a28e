# The Debian package, made by CPack's DEB generator from this build tree:
# `./scripts/package` for a release build, or `cpack -G DEB` in any configured and
# built tree (tests/package/ packages the test build this way, without compiling
# anything again). README.md, Install, says why CPack rather than debhelper.
#
# Layout: /usr/sbin/smsgated and its private libraries in /usr/lib/smsgate (the install
# rules next to the smsgated target), and the files below.

# Where this Debian release wants units and udev rules: /lib/... on Debian 12,
# /usr/lib/... on 13 (systemd.pc and udev.pc know; lintian checks it).
pkg_get_variable(SMSGATE_SYSTEMD_UNIT_DIR systemd systemdsystemunitdir)
if(NOT SMSGATE_SYSTEMD_UNIT_DIR)
  set(SMSGATE_SYSTEMD_UNIT_DIR /lib/systemd/system)
endif()
pkg_get_variable(SMSGATE_UDEV_DIR udev udevdir)
if(NOT SMSGATE_UDEV_DIR)
  set(SMSGATE_UDEV_DIR /lib/udev)
endif()

set(SMSGATE_DEB_DIR ${PROJECT_SOURCE_DIR}/packaging/deb)
install(FILES etc/smsgate.toml DESTINATION /etc/smsgate)
# The service, and the daily backup's service and timer (installed, not enabled:
# `systemctl enable --now smsgate-backup.timer`).
file(GLOB SMSGATE_SYSTEMD_UNITS CONFIGURE_DEPENDS systemd/*.service systemd/*.timer)
install(FILES ${SMSGATE_SYSTEMD_UNITS} DESTINATION ${SMSGATE_SYSTEMD_UNIT_DIR})
# Every rules file of udev/, whoever adds it.
file(GLOB SMSGATE_UDEV_RULES CONFIGURE_DEPENDS udev/*.rules)
install(FILES ${SMSGATE_UDEV_RULES} DESTINATION ${SMSGATE_UDEV_DIR}/rules.d)

# The changelog's first entry names the version this tree builds.
set(SMSGATE_DEB_RELEASE 1)
file(STRINGS ${SMSGATE_DEB_DIR}/changelog SMSGATE_CHANGELOG_TOP LIMIT_COUNT 1)
if(NOT SMSGATE_CHANGELOG_TOP MATCHES "^smsgate \\(${PROJECT_VERSION}-${SMSGATE_DEB_RELEASE}\\) ")
  message(FATAL_ERROR "packaging/deb/changelog begins with '${SMSGATE_CHANGELOG_TOP}', "
    "not an entry for ${PROJECT_VERSION}-${SMSGATE_DEB_RELEASE}: add one")
endif()
# gzip -n: no name or time stamp in the header, so the same changelog gives the same bytes.
execute_process(COMMAND gzip -9nc ${SMSGATE_DEB_DIR}/changelog
  OUTPUT_FILE ${CMAKE_BINARY_DIR}/changelog.Debian.gz COMMAND_ERROR_IS_FATAL ANY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SMSGATE_DEB_DIR}/changelog)
install(FILES ${SMSGATE_DEB_DIR}/copyright ${CMAKE_BINARY_DIR}/changelog.Debian.gz
  DESTINATION /usr/share/doc/smsgate)
install(FILES ${SMSGATE_DEB_DIR}/lintian-overrides
  DESTINATION /usr/share/lintian/overrides RENAME smsgate)

# cpack runs the `preinstall` target first, which would otherwise build `all` (every test
# and fuzzer): the package takes the tree as built, and install refuses missing files.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smsgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "smsgate maintainers <maintainers@users.noreply.h-seed-93fc81e6.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "on-premises SMS gateway for USB GSM modems")
set(CPACK_PACKAGE_DESCRIPTION
  "smsgated sends and receives SMS through USB GSM modems for local software (an\n"
  "appointment book, a shop, a patient portal) over a LAN HTTP API, with a durable\n"
  "SQLite queue, delivery reports, replies, webhooks and an admin page.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
# Absolute destinations (/etc, /lib) go through DESTDIR into the package's tree.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian's checks want stripped binaries; debugging uses the build tree's.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SMSGATE_DEB_RELEASE})
# smsgate_<version>-<release>_<dpkg --print-architecture>.deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries from dpkg-shlibdeps. It reads /usr/lib/smsgate/libssl.so and
# libcrypto.so (ours, no soname, reached through smsgated's RPATH) from the package's
# own tree, so no private-directory list is needed; their own needs (libssl3) count.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts call these (and runuser, from util-linux, which is essential).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
# Sticks that start as a CD-ROM become modems only through usb-modeswitch (udev/README.md).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "usb-modeswitch, usb-modeswitch-data")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${SMSGATE_DEB_DIR}/conffiles ${SMSGATE_DEB_DIR}/postinst ${SMSGATE_DEB_DIR}/prerm
  ${SMSGATE_DEB_DIR}/postrm)
# Scripts 0755 and conffiles 0644 whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
