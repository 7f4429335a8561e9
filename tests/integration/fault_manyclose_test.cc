// Issue 8 fault test at the scale: 10,000 clients connect and go
// silent; all must be closed about client_header_timeout (1s) after they
// opened while another client is served within 1s. Fails against jwtgate
// at 6c18f40: the closes land 1.3-3.2s after opening (p50 3.1s) and the
// shard serves nobody meanwhile (the other client waits 2.2-2.5s), because
// CloseClient cancels with IORING_ASYNC_CANCEL_FD, which scans the ring's
// pending requests for every close (quadratic in connections closed at
// once). Cancelling by user_data fixes it (closes at 1.00-1.04s).
#include "gtest/gtest.h"
#include "tests/integration/fault_fixture.h"

namespace jwtgate::testing {
namespace {

using FaultManyCloseTest = FaultFixture;

TEST_F(FaultManyCloseTest, TenThousandSilentConnectionsAreClosedOnTime) {
  RunSilentConnections(10000);
}

}  // namespace
}  // namespace jwtgate::testing
