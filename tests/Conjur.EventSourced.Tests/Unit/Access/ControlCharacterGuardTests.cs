using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.Tests.Unit.Access;

public sealed class ControlCharacterGuardTests
{
    [Fact]
    public void PlainPathAndQuery_Pass() =>
        ControlCharacterGuard.Offending("/api/nodes/node1/events", [("limit", "5"), ("at", "2026-12-01T00:00:00Z")]).ShouldBeNull();

    [Fact]
    public void NulInThePath_IsThePath() =>
        ControlCharacterGuard.Offending("/api/nodes/a\0b/events", []).ShouldBe("path");

    [Fact]
    public void NewlineInAQueryValue_NamesTheParameter() =>
        ControlCharacterGuard.Offending("/api/events", [("limit", "5"), ("type", "master_changed\n")]).ShouldBe("query parameter 'type'");

    [Fact]
    public void ControlCharacterInAQueryName_IsTheQuery() =>
        ControlCharacterGuard.Offending("/api/events", [("ty\u0001pe", "x")]).ShouldBe("query");

    [Fact]
    public void NonAsciiText_Passes() =>
        ControlCharacterGuard.Offending("/api/nodes/nœud-1/events", [("stream", "t1/node/ノード")]).ShouldBeNull();
}
