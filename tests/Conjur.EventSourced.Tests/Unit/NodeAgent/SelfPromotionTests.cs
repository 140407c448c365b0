using Conjur.EventSourced.NodeAgent.Failover;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.Tests.Unit.NodeAgent;

public sealed class SelfPromotionTests
{
    private static readonly DateTimeOffset Won = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly Guid Failover = Guid.Parse("0b5a3c8e-4b1f-4a4e-9d55-8f3a2f0c1d10");

    [Fact]
    public void LockHeldPastTheGrace_IsDue() =>
        SelfPromotion.Due(true, Failover, Won, Guid.Empty, Grace, Won + Grace).ShouldBeTrue();

    [Fact]
    public void LockHeldWithinTheGrace_WaitsForTheSaga() =>
        SelfPromotion.Due(true, Failover, Won, Guid.Empty, Grace, Won + Grace - TimeSpan.FromMilliseconds(1)).ShouldBeFalse();

    [Fact]
    public void LockNotHeld_IsNeverDue() =>
        SelfPromotion.Due(false, Failover, Won, Guid.Empty, Grace, Won + TimeSpan.FromMinutes(1)).ShouldBeFalse();

    [Fact]
    public void SameFailoverAlreadyTried_IsNotTriedAgain() =>
        SelfPromotion.Due(true, Failover, Won, Failover, Grace, Won + TimeSpan.FromMinutes(1)).ShouldBeFalse();

    [Fact]
    public void TimelineHistory_LastLineGivesTheForkPosition()
    {
        const string history = "1\t0/3000060\tno recovery target specified\n\n2\t1/A0000028\tno recovery target specified\n";
        TimelineHistory.SwitchPoint(history).ShouldBe((1L << 32) | 0xA0000028L);
        TimelineHistory.FileName(3).ShouldBe("00000003.history");
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("1\tnot-an-lsn\treason")]
    public void TimelineHistory_Unreadable_IsNull(string content) =>
        TimelineHistory.SwitchPoint(content).ShouldBeNull();
}
