// Debian 12's CivetWeb 1.15 loads OpenSSL at run time, dlopen("libssl.so") and
// dlopen("libcrypto.so"), and then looks up SSL_get_peer_certificate, which OpenSSL 3
// keeps only as a macro for SSL_get1_peer_certificate. The lookup fails and CivetWeb
// serves no TLS at all (civetweb issue 1334).
//
// This file builds two small libraries whose SONAMEs are exactly those two names.
// smsgated links them, so when CivetWeb asks for "libssl.so" the dynamic loader hands
// back the one already loaded. A symbol lookup in it falls through to its dependency,
// the real libssl.so.3 (or libcrypto.so.3), and finds here the one name OpenSSL 3
// dropped. They also spare an appliance the development links (libssl-dev), which are
// all CivetWeb's dlopen could otherwise find.
#include <openssl/ssl.h>

#ifdef SMSGATE_OPENSSL_SSL_COMPAT
#undef SSL_get_peer_certificate
extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
#endif
