using Conjur.EventSourced.Cli.Drill;

namespace Conjur.EventSourced.Tests.Unit.Drill;

public sealed class StatisticsTests
{
    [Fact]
    public void OddCount_MedianIsTheMiddleValue_MaxIsTheLargest()
    {
        var s = FigureSummary.Of("x", [900, 100, 500]);

        s.Median.ShouldBe(500);
        s.Max.ShouldBe(900);
        s.Runs.ShouldBe(3);
    }

    [Fact]
    public void EvenCount_MedianIsTheMeanOfTheTwoMiddleValues()
    {
        FigureSummary.Of("x", [4, 1, 3, 2]).Median.ShouldBe(2.5);
    }

    [Fact]
    public void MissingFigures_AreLeftOutAndCounted()
    {
        var s = FigureSummary.Of("x", [null, 10, null, 30, double.NaN]);

        s.Runs.ShouldBe(2);
        s.Median.ShouldBe(20);
        s.Max.ShouldBe(30);
    }

    [Fact]
    public void NoFigures_NoMedianNoMax()
    {
        var s = FigureSummary.Of("x", [null, null]);

        s.Median.ShouldBeNull();
        s.Max.ShouldBeNull();
        s.Runs.ShouldBe(0);
    }

    [Fact]
    public void Report_SummarisesEachFigureOverRuns_AndIsCleanOnlyWithoutProblems()
    {
        DrillRunResult Run(int n, double outage, params string[] problems) => new()
        {
            Run = n, RunId = $"r{n}", Fault = "node", OldMaster = "node1", NewMaster = "node2",
            WriteOutageMs = outage, MissingOnNewMaster = 0, Problems = problems,
            ErrorsByClass = new Dictionary<string, int> { ["read-only"] = n, ["reset"] = 1 },
        };

        var report = DrillReport.From("local", "node", [Run(1, 4000), Run(2, 3000), Run(3, 5000)]);

        var outage = report.Summary.Single(f => f.Figure == "write outage (ms)");
        outage.Median.ShouldBe(4000);
        outage.Max.ShouldBe(5000);
        report.Summary.Single(f => f.Figure == "writes misrouted (read-only)").Max.ShouldBe(3);
        report.Summary.Single(f => f.Figure == "writes refused").Median.ShouldBe(3);
        report.Clean.ShouldBeTrue();
        DrillReport.From("local", "node", [Run(1, 1, "leader key not deleted")]).Clean.ShouldBeFalse();
    }
}
