using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Drill;

public sealed class DrillOptionsTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/drill-options-test");

    [Fact]
    public void Defaults_AreValid_AndFaultTheWholeNode()
    {
        var o = new DrillOptions();

        o.Validate(Config).ShouldBeEmpty();
        o.Fault.ShouldBe(FaultKind.Node);
        o.Runs.ShouldBe(1);
    }

    [Theory]
    [InlineData("node", FaultKind.Node)]
    [InlineData("postgres", FaultKind.Postgres)]
    [InlineData("FREEZE", FaultKind.Freeze)]
    [InlineData(" switchover ", FaultKind.Switchover)]
    public void FaultNames_Parse(string text, FaultKind expected)
    {
        DrillOptions.ParseFault(text).ShouldBe(expected);
    }

    [Fact]
    public void UnknownFault_DoesNotParse()
    {
        DrillOptions.ParseFault("network").ShouldBeNull();
        DrillOptions.ParseFault(null).ShouldBeNull();
    }

    [Fact]
    public void Switchover_WithoutTarget_IsRejected()
    {
        new DrillOptions { Fault = FaultKind.Switchover }.Validate(Config).ShouldHaveSingleItem().ShouldContain("--to");
    }

    [Fact]
    public void Switchover_ToAStandby_IsValid()
    {
        new DrillOptions { Fault = FaultKind.Switchover, To = "node3" }.Validate(Config).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("node9", "no such node")]
    [InlineData("node4", "follower")]
    public void Switchover_ToAnUnknownNodeOrAFollower_IsRejected(string to, string expected)
    {
        new DrillOptions { Fault = FaultKind.Switchover, To = to }.Validate(Config).ShouldHaveSingleItem().ShouldContain(expected);
    }

    [Fact]
    public void Target_WithoutSwitchover_IsRejected()
    {
        new DrillOptions { Fault = FaultKind.Node, To = "node2" }.Validate(Config).ShouldHaveSingleItem().ShouldContain("only for --fault switchover");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Runs_OutOfRange_AreRejected(int runs)
    {
        new DrillOptions { Runs = runs }.Validate(Config).ShouldHaveSingleItem().ShouldContain("--runs");
    }

    [Fact]
    public void UnknownVictimOrExpectedWinner_AreRejected_EachNamed()
    {
        var errors = new DrillOptions { Victim = "nodeX", Expect = "nodeY" }.Validate(Config);

        errors.Count.ShouldBe(2);
        errors.ShouldContain(e => e.Contains("--victim nodeX"));
        errors.ShouldContain(e => e.Contains("--expect nodeY"));
    }

    [Fact]
    public void VictimExpectedToWin_IsRejected()
    {
        new DrillOptions { Victim = "node2", Expect = "node2" }.Validate(Config).ShouldHaveSingleItem().ShouldContain("cannot also be");
    }

    [Fact]
    public void ZeroOrHugeTimeouts_AreRejected()
    {
        var errors = new DrillOptions { StageTimeout = TimeSpan.Zero, WriteTimeout = TimeSpan.FromHours(2) }.Validate(Config);

        errors.Count.ShouldBe(2);
        errors.ShouldContain(e => e.StartsWith("--timeout", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("--write-timeout", StringComparison.Ordinal));
    }
}
