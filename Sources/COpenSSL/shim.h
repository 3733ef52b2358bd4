#ifndef SHARE_RELAY_COPENSSL_SHIM_H
#define SHARE_RELAY_COPENSSL_SHIM_H
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// OpenSSL spells these as function-like macros, which Swift does not import. The wrappers below
// give them a callable name and nothing else.

static inline int share_relay_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int share_relay_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

/// No TLS compression (CRIME), no renegotiation (TLS 1.2; TLS 1.3 has none); buffers released
/// while a connection is idle, which matters with tens of thousands of mostly idle viewers.
static inline void share_relay_SSL_CTX_set_hardening_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

static inline int share_relay_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int share_relay_SSL_is_init_finished(const SSL *ssl) {
    return SSL_is_init_finished(ssl);
}

#endif
