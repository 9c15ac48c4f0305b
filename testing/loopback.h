// ConnectLoopback: a plain blocking TCP connection to 127.0.0.1:port, for
// tests that need a raw socket (to hold connections open, to fill a
// server's connection table). Returns the file descriptor, which the caller
// closes, or -1 when the socket or the connection fails. Test-only;
// thread-safe (no shared state).
#ifndef KEYTRAIL_TESTING_LOOPBACK_H_
#define KEYTRAIL_TESTING_LOOPBACK_H_

namespace keytrail::test {

int ConnectLoopback(int port);

// The same from source address 127.0.0.`host` (1..254): every 127.x address
// is loopback on Linux, so a test can be many clients to a server's
// per-address connection limit.
int ConnectLoopbackFrom(int port, int host);

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_LOOPBACK_H_
