import NIOCore
import Testing
@testable import Relay

@Suite struct AdmissionTests {
    @Test func closeCodesHaveTheDocumentedValues() {
        #expect(RelayCloseCode.goingAway.rawValue == 1001)
        #expect(RelayCloseCode.readOnlyViolation.rawValue == 1008)
        #expect(RelayCloseCode.eventTooLarge.rawValue == 1009)
        #expect(RelayCloseCode.unknownShare.rawValue == 4401)
        #expect(RelayCloseCode.shareRevoked.rawValue == 4403)
        #expect(RelayCloseCode.viewerStalled.rawValue == 4408)
        #expect(RelayCloseCode.shareExpired.rawValue == 4410)
        #expect(RelayCloseCode.tooManyViewers.rawValue == 4429)
        #expect(!RelayCloseCode.shareRevoked.reason.contains("clw_"))
    }

    @Test func shareStatusMapsToCloseCodes() {
        #expect(ShareStatus.unknown.closeCode(now: time(0)) == .unknownShare)
        #expect(ShareStatus.revoked.closeCode(now: time(0)) == .shareRevoked)
        #expect(ShareStatus.expired.closeCode(now: time(0)) == .shareExpired)
        #expect(ShareStatus.active(expiresAt: nil).closeCode(now: time(0)) == nil)
        #expect(ShareStatus.active(expiresAt: time(100)).closeCode(now: time(99)) == nil)
        #expect(ShareStatus.active(expiresAt: time(100)).closeCode(now: time(100)) == .shareExpired)
    }

    @Test func admissionRefusesBadSharesWithTheirCodes() {
        var registry = ViewerRegistry<Int>()
        #expect(registry.admit(1, shareId: "s", sessionId: "abc", status: .unknown, now: time(0)) == .rejected(.unknownShare))
        #expect(registry.admit(2, shareId: "s", sessionId: "abc", status: .revoked, now: time(0)) == .rejected(.shareRevoked))
        #expect(registry.admit(3, shareId: "s", sessionId: "abc", status: .expired, now: time(0)) == .rejected(.shareExpired))
        #expect(registry.totalViewers == 0)
    }

    @Test func viewersOverAnyLimitAreRefusedWith4429() {
        var registry = ViewerRegistry<Int>(limits: ViewerLimits(perShare: 2, perSession: 3, total: 4))
        let active = ShareStatus.active(expiresAt: nil)
        #expect(registry.admit(1, shareId: "a", sessionId: "s1", status: active, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        #expect(registry.admit(2, shareId: "a", sessionId: "s1", status: active, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        #expect(registry.admit(3, shareId: "a", sessionId: "s1", status: active, now: time(0)) == .rejected(.tooManyViewers), "per share")
        #expect(registry.admit(3, shareId: "b", sessionId: "s1", status: active, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        #expect(registry.admit(4, shareId: "c", sessionId: "s1", status: active, now: time(0)) == .rejected(.tooManyViewers), "per session")
        #expect(registry.admit(4, shareId: "d", sessionId: "s2", status: active, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        #expect(registry.admit(5, shareId: "e", sessionId: "s3", status: active, now: time(0)) == .rejected(.tooManyViewers), "total")
        registry.remove(1)
        #expect(registry.admit(5, shareId: "a", sessionId: "s1", status: active, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        #expect(registry.viewerCount(shareId: "a") == 2)
        #expect(registry.viewerCount(sessionId: "s1") == 3)
        #expect(registry.totalViewers == 4)
    }

    @Test func revocationReturnsEveryViewerOfTheShareAndBarsNewOnes() {
        var registry = ViewerRegistry<Int>()
        for handle in 0..<1000 {
            _ = registry.admit(handle, shareId: "doomed", sessionId: "abc", status: .active(expiresAt: nil), now: time(0))
        }
        _ = registry.admit(5000, shareId: "other", sessionId: "abc", status: .active(expiresAt: nil), now: time(0))
        let closed = registry.revoke(shareId: "doomed")
        #expect(Set(closed) == Set(0..<1000))
        #expect(registry.viewerCount(shareId: "doomed") == 0)
        #expect(registry.viewers(sessionId: "abc") == [5000])
        #expect(registry.remove(7) == nil, "already removed by the revocation")
        #expect(registry.admit(9999, shareId: "doomed", sessionId: "abc", status: .active(expiresAt: nil), now: time(0)) == .rejected(.shareRevoked))
    }

    @Test func firstViewerOfAnExpiringShareArmsOneTimerAndLastViewerCancelsIt() {
        var registry = ViewerRegistry<Int>()
        let status = ShareStatus.active(expiresAt: time(60_000))
        #expect(registry.admit(1, shareId: "a", sessionId: "s", status: status, now: time(0)) == .admitted(armExpiryTimerAt: time(60_000)))
        #expect(registry.admit(2, shareId: "a", sessionId: "s", status: status, now: time(0)) == .admitted(armExpiryTimerAt: nil))
        let moved = ShareStatus.active(expiresAt: time(30_000))
        #expect(registry.admit(3, shareId: "a", sessionId: "s", status: moved, now: time(0)) == .admitted(armExpiryTimerAt: time(30_000)), "a changed expiry re-arms")
        #expect(registry.nextExpiry()?.expiresAt == time(30_000))
        #expect(registry.remove(3)?.shareHasNoViewers == false)
        #expect(registry.remove(1)?.shareHasNoViewers == false)
        #expect(registry.remove(2)?.shareHasNoViewers == true)
    }

    @Test func expiryClosesTheSharesViewersAtTheDeadline() {
        var registry = ViewerRegistry<Int>()
        for handle in 0..<10 {
            _ = registry.admit(handle, shareId: "a", sessionId: "s", status: .active(expiresAt: time(60_000)), now: time(0))
        }
        _ = registry.admit(99, shareId: "b", sessionId: "s", status: .active(expiresAt: time(90_000)), now: time(0))
        #expect(registry.expireShare("a", now: time(59_990)) == .notYet(time(60_000)))
        guard case let .closeViewers(closed) = registry.expireShare("a", now: time(60_000)) else {
            Issue.record("share not expired")
            return
        }
        #expect(Set(closed) == Set(0..<10))
        #expect(registry.expireShare("a", now: time(60_001)) == .nothingToDo)
        #expect(registry.admit(100, shareId: "a", sessionId: "s", status: .active(expiresAt: time(60_000)), now: time(60_001)) == .rejected(.shareExpired))
    }

    @Test func earliestExpiryAndSweepForASingleTimer() {
        var registry = ViewerRegistry<Int>()
        _ = registry.admit(1, shareId: "late", sessionId: "s", status: .active(expiresAt: time(90_000)), now: time(0))
        _ = registry.admit(2, shareId: "soon", sessionId: "s", status: .active(expiresAt: time(30_000)), now: time(0))
        _ = registry.admit(3, shareId: "never", sessionId: "s", status: .active(expiresAt: nil), now: time(0))
        #expect(registry.nextExpiry()?.shareId == "soon")
        #expect(registry.nextExpiry()?.expiresAt == time(30_000))
        #expect(registry.expireDue(now: time(29_999)).isEmpty)
        #expect(registry.expireDue(now: time(30_500)) == [2])
        #expect(registry.nextExpiry()?.shareId == "late")
        #expect(Set(registry.shareIdsWithViewers) == ["late", "never"])
    }

    @Test func handshakesPerAddressPerSecondAreLimited() {
        var limiter = HandshakeRateLimiter<String>(limitPerSecond: 3)
        let accepted = (0..<5).map { _ in limiter.allow("10.0.0.1", now: time(1_000)) }
        #expect(accepted == [true, true, true, false, false])
        let otherAddress = limiter.allow("10.0.0.2", now: time(1_999))
        let nextSecond = limiter.allow("10.0.0.1", now: time(2_000))
        #expect(otherAddress, "other addresses have their own budget")
        #expect(nextSecond, "a new second starts afresh")
    }
}
